"""mlp-lab library: the code behind the Snakemake rules. Each module has one job; see README."""
