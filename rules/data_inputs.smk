# Inputs of the data rules (rules/data.smk).

from mlplab.workflow.fetch import decoded_from


def raw_fashion_mnist(wildcards):
    """The fetched files, judged by content: where the decoded files' fingerprints record the very
    checksums the fetch verifies, they are marked ancient, so that a fetch that runs again (its params
    or code changed) writes the same data and reruns neither the decoding nor any training."""
    raw = dict(rules.fetch_fashion_mnist.output.items())
    decoded = rules.decode_fashion_mnist.output
    fingerprints = [decoded.train_fingerprint, decoded.test_fingerprint]
    if decoded_from(fingerprints, config["data"]["fashion_mnist"].get("checksums")):
        return {name: ancient(path) for name, path in raw.items()}
    return raw
