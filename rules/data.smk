# Fashion-MNIST (fetched, verified, decoded once) and the chapter's generated data sets.


rule fetch_fashion_mnist:
    input:
        lib("fetch_fashion_mnist.py"),
    output:
        train_images="data/fashion-mnist/raw/train-images-idx3-ubyte.gz",
        train_labels="data/fashion-mnist/raw/train-labels-idx1-ubyte.gz",
        test_images="data/fashion-mnist/raw/t10k-images-idx3-ubyte.gz",
        test_labels="data/fashion-mnist/raw/t10k-labels-idx1-ubyte.gz",
    log:
        "logs/data/fetch_fashion_mnist.log",
    benchmark:
        "results/benchmarks/data/fetch_fashion_mnist.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    # The checksums only, not the sources: what the job writes is the verified data wherever it came
    # from, so adding a mirror or reordering the sources reruns nothing (the script reads them).
    params:
        checksums=canonical(config["data"]["fashion_mnist"].get("checksums")),
    message:
        "{rule}: each file checked against its SHA-256"
    script:
        "../scripts/fetch_fashion_mnist.py"


# A validation set as large as the training set, rejected before anything runs where the labels are
# already fetched (their IDX header gives the count); before the first fetch, the training job rejects it.
check_validation_sizes(config, rules.fetch_fashion_mnist.output.train_labels, SWEEPS)


rule decode_fashion_mnist:
    input:
        **dict(rules.fetch_fashion_mnist.output.items()),
        lib=lib("decode_fashion_mnist.py"),
    output:
        train="data/fashion-mnist/train.pt",
        test="data/fashion-mnist/test.pt",
        # What each file holds and the raw files it came from: checked by every job that reads it.
        train_fingerprint=fingerprint_file("data/fashion-mnist/train.pt"),
        test_fingerprint=fingerprint_file("data/fashion-mnist/test.pt"),
    log:
        "logs/data/decode_fashion_mnist.log",
    benchmark:
        "results/benchmarks/data/decode_fashion_mnist.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "{rule}: Fashion-MNIST into tensors"
    script:
        "../scripts/decode_fashion_mnist.py"


rule make_synthetic_data:
    input:
        lib("make_synthetic_data.py"),
    output:
        "data/{dataset}.pt",
        fingerprint_file("data/{dataset}.pt"),
    log:
        "logs/data/make_{dataset}_data.log",
    benchmark:
        "results/benchmarks/data/make_{dataset}_data.tsv"
    wildcard_constraints:
        dataset="|".join(SYNTHETIC),
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        args=lambda wildcards: canonical(config["data"][wildcards.dataset]),
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/make_synthetic_data.py"
