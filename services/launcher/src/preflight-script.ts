/**
 * `preflight.py`, shipped with every run and executed on the cluster before torchrun (Python 3
 * standard library only). It re-checks what the launcher checked, on the data the job will read:
 * the DeepSpeed batch rule for the allocated world size, every dataset file's size and sha256, and
 * the tokenizer's sha256 when given. Exit 0 when all hold, 1 otherwise (reasons on stderr).
 */
export const PREFLIGHT_PY = String.raw`#!/usr/bin/env python3
"""Pre-launch checks for an RFT training run. Usage:
  preflight.py --plan plan.json --dataset-dir DIR [--tokenizer tokenizer.json] [--nnodes N]
"""
import argparse, hashlib, json, os, sys

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plan", required=True)
    ap.add_argument("--deepspeed", default=None)
    ap.add_argument("--dataset-dir", required=True)
    ap.add_argument("--tokenizer", default=None)
    ap.add_argument("--nnodes", type=int, default=None)
    args = ap.parse_args()
    problems = []
    plan = json.load(open(args.plan))
    ds = json.load(open(args.deepspeed)) if args.deepspeed else plan["deepspeed"]
    cluster = plan["profile"]["cluster"]
    nnodes = args.nnodes or int(os.environ.get("SLURM_NNODES") or os.environ.get("PET_NNODES") or cluster["nodes"])
    if nnodes != cluster["nodes"]:
        problems.append("allocated %d nodes but the plan is for cluster.nodes=%d" % (nnodes, cluster["nodes"]))
    world = nnodes * cluster["gpusPerNode"]
    tbs, micro, gas = ds.get("train_batch_size"), ds.get("train_micro_batch_size_per_gpu"), ds.get("gradient_accumulation_steps")
    if not all(isinstance(v, int) and v > 0 for v in (tbs, micro, gas)):
        problems.append("deepspeed: train_batch_size, train_micro_batch_size_per_gpu, gradient_accumulation_steps must be positive integers")
    elif micro * gas * world != tbs:
        problems.append("deepspeed: train_batch_size %d != micro %d x grad_accum %d x world %d" % (tbs, micro, gas, world))
    if (ds.get("zero_optimization") or {}).get("stage") != 3:
        problems.append("deepspeed: zero_optimization.stage must be 3")

    manifest_path = os.path.join(args.dataset_dir, "manifest.json")
    if not os.path.exists(manifest_path):
        problems.append("dataset: %s is missing" % manifest_path)
    else:
        manifest = json.load(open(manifest_path))
        if manifest.get("datasetId") != plan["datasetId"]:
            problems.append("dataset: manifest is %s, the plan wants %s" % (manifest.get("datasetId"), plan["datasetId"]))
        if manifest["model"]["tokenizer"]["sha256"] != plan["tokenizerSha256"]:
            problems.append("dataset: tokenizer sha256 in the manifest differs from the plan")
    checked = 0
    for f in plan["datasetFiles"]:
        path = os.path.join(args.dataset_dir, f["path"])
        if not os.path.exists(path):
            problems.append("dataset: %s is missing" % f["path"])
            continue
        size = os.path.getsize(path)
        if size != f["bytes"]:
            problems.append("dataset: %s has %d bytes, manifest says %d" % (f["path"], size, f["bytes"]))
            continue
        digest = sha256(path)
        if digest != f["sha256"]:
            problems.append("dataset: %s has sha256 %s, manifest says %s" % (f["path"], digest, f["sha256"]))
        checked += 1
    if args.tokenizer:
        digest = sha256(args.tokenizer)
        if digest != plan["tokenizerSha256"]:
            problems.append("tokenizer: %s has sha256 %s but the dataset was tokenized with %s" % (args.tokenizer, digest, plan["tokenizerSha256"]))
    if problems:
        for p in problems:
            print("preflight: " + p, file=sys.stderr)
        return 1
    print("preflight ok: run %s, dataset %s, %d files verified, world %d, train_batch_size %d = %d x %d x %d"
          % (plan["runId"], plan["datasetId"], checked, world, tbs, micro, gas, world))
    return 0

if __name__ == "__main__":
    sys.exit(main())
`;
