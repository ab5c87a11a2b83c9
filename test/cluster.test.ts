// The cluster recipes of docs/cluster.md: the Slurm array script passes bash -n
// and turns array task ids into the right --shard i/n (any first id and step);
// the Kubernetes manifest is well-formed YAML (parsed by the `yaml` dev
// dependency) with an Indexed Job whose shard count matches its completions,
// and its pod command computes the shard from JOB_COMPLETION_INDEX.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "cluster");

function bash(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync("bash", args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("Slurm scripts pass bash -n", () => {
  for (const f of ["sweep-array.slurm", "merge.slurm"]) {
    const r = bash(["-n", join(dir, f)], {});
    assert.is(r.code, 0, `${f}: ${r.err}`);
  }
});

test("the array script's shard arithmetic: (task id - first id) / step of the task count", () => {
  const cases: [Record<string, string>, string][] = [
    [{ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "8" }, "0/8"],
    [{ SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "8" }, "7/8"],
    [{ SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "8" }, "4/8"],
    [{ SLURM_ARRAY_TASK_ID: "14", SLURM_ARRAY_TASK_MIN: "10", SLURM_ARRAY_TASK_STEP: "2", SLURM_ARRAY_TASK_COUNT: "3" }, "2/3"],
  ];
  for (const [env, shard] of cases) {
    const r = bash([join(dir, "sweep-array.slurm")], { ...env, SCRRAMBLE: "echo scrramble", OUT: "out", SLURM_CPUS_PER_TASK: "4" });
    assert.is(r.code, 0, r.err);
    assert.ok(r.out.includes(`--shard ${shard} --out out/shard-${shard.split("/")[0]}`), `${JSON.stringify(env)}: ${r.out}`);
    assert.match(r.out, /^scrramble sweep grid .*--simd relaxed --threads 4/);
  }
  const outside = bash([join(dir, "sweep-array.slurm")], { SLURM_ARRAY_TASK_ID: "9", SLURM_ARRAY_TASK_COUNT: "8", SCRRAMBLE: "echo" });
  assert.is(outside.code, 2);
  assert.is(bash([join(dir, "sweep-array.slurm")], { SCRRAMBLE: "echo" }).code === 0, false, "refuses to run outside an array job");
  const merge = bash([join(dir, "merge.slurm")], { SCRRAMBLE: "echo scrramble", OUT: "o" });
  assert.match(merge.out, /^scrramble merge o\/shard-\* --out o/);
});

test("the Kubernetes manifest: well-formed YAML, an Indexed Job with SHARDS = completions, and a merge Job", () => {
  const docs = parseAllDocuments(readFileSync(join(dir, "sweep-job.yaml"), "utf8"));
  for (const d of docs) assert.equal(d.errors, [], "YAML errors");
  const [job, merge] = docs.map((d) => d.toJS());
  assert.is(docs.length, 2);
  assert.is(job.kind, "Job");
  assert.is(job.apiVersion, "batch/v1");
  assert.is(job.spec.completionMode, "Indexed");
  const c = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.is(Number(env.SHARDS), job.spec.completions, "SHARDS must equal completions");
  assert.is(job.spec.template.spec.restartPolicy, "Never");
  assert.is(merge.kind, "Job");
  const mc = merge.spec.template.spec.containers[0];
  assert.is(Object.fromEntries(mc.env.map((e: { name: string; value: string }) => [e.name, e.value])).OUT, env.OUT);
  assert.is(
    merge.spec.template.spec.volumes[0].persistentVolumeClaim.claimName,
    job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName,
  );
  // run the pod's command as Kubernetes would, with the sweep replaced by echo
  for (const index of ["0", "5", "7"]) {
    const script = c.args[0];
    assert.is(bash(["-n", "-c", script], {}).code, 0);
    const r = bash(["-c", script], { ...env, JOB_COMPLETION_INDEX: index, SCRRAMBLE: "echo scrramble" });
    assert.is(r.code, 0, r.err);
    assert.ok(r.out.includes(`--shard ${index}/${env.SHARDS} --out ${env.OUT}/shard-${index}`), r.out);
  }
  const m = bash(["-c", mc.args[0]], { OUT: env.OUT, SCRRAMBLE: "echo scrramble" });
  assert.match(m.out, /^scrramble merge \/results\/grid\/shard-\* --out \/results\/grid/);
});

test.run();
