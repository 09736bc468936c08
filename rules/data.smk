# Fashion-MNIST (fetched, verified, decoded once) and the chapter's generated data sets.


rule fetch_fashion_mnist:
    input:
        lib("fetch"),
    output:
        expand("{raw}/{file}", raw=FASHION_MNIST_RAW, file=FASHION_MNIST_FILES.values()),
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
    params:
        sources=config["data"]["fashion_mnist"]["sources"],
        checksums=as_json(config["data"]["fashion_mnist"].get("checksums")),
    script:
        "../scripts/fetch_fashion_mnist.py"


rule decode_fashion_mnist:
    input:
        **{k: f"{FASHION_MNIST_RAW}/{v}" for k, v in FASHION_MNIST_FILES.items()},
        lib=lib("idx"),
    output:
        **FASHION_MNIST_SPLITS,
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
    script:
        "../scripts/decode_fashion_mnist.py"


rule make_polynomial_data:
    input:
        lib("synthetic", "seeding"),
    output:
        "data/polynomial.pt",
    log:
        "logs/data/make_polynomial_data.log",
    benchmark:
        "results/benchmarks/data/make_polynomial_data.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        generator="polynomial_data",
        args=as_json(config["data"]["polynomial"]),
    script:
        "../scripts/make_synthetic_data.py"


rule make_linear_data:
    input:
        lib("synthetic", "seeding"),
    output:
        "data/linear.pt",
    log:
        "logs/data/make_linear_data.log",
    benchmark:
        "results/benchmarks/data/make_linear_data.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        generator="linear_data",
        args=as_json(config["data"]["linear"]),
    script:
        "../scripts/make_synthetic_data.py"
