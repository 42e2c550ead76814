// Summarises bench/run_batching_bench.sh: one row per run (name, ranks, seed), over its repeats,
// from metrics.jsonl (the steps and the final eval loss), test-scores.jsonl (`longalign score
// --json` on the held-out store, whose samples are test.jsonl's lines in order: the held-out loss
// by task) and the plan's report (what its steps hold).
//
//   node bench/summarize_batching.mjs OUT_DIR
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2];
const lines = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
const tasks = lines(path.join(out, 'data', 'test.jsonl')).map((r) => r.task.replace(/^chat-.*/, 'chat'));
const taskNames = [...new Set(tasks)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
// The plan a run trained on: the loss-mode and padding runs use the balanced plan.
const planOf = (name) => (name.startsWith('balanced-') ? 'pack-balanced' : name);

function readRun(dir) {
  const metrics = lines(path.join(dir, 'metrics.jsonl'));
  const steps = metrics.filter((m) => m.step !== undefined && m.loss !== undefined);
  const evals = metrics.filter((m) => m.eval_loss !== undefined);
  return { steps, eval_loss: evals.length ? evals[evals.length - 1].eval_loss : null };
}

function lossByTask(dir) {
  const file = path.join(dir, 'test-scores.jsonl');
  if (!fs.existsSync(file)) return null;
  const byTask = {};
  for (const s of lines(file)) {
    if (s.loss !== null) (byTask[tasks[s.index]] ??= []).push(s.loss);
  }
  return Object.fromEntries(taskNames.map((t) => [t, byTask[t] ? mean(byTask[t]) : null]));
}

const groups = new Map();
for (const run of fs.readdirSync(path.join(out, 'runs')).sort()) {
  const [name, r, s, i] = run.split('.');
  const key = `${name}.${r}.${s}`;
  if (!groups.has(key)) groups.set(key, { name, ranks: Number(r.slice(1)), seed: Number(s.slice(1)), repeats: [] });
  groups.get(key).repeats.push({ i: Number(i.slice(1)), dir: path.join(out, 'runs', run), ...readRun(path.join(out, 'runs', run)) });
}

const rows = [];
for (const g of groups.values()) {
  g.repeats.sort((a, b) => a.i - b.i);
  const first = g.repeats[0];
  const sum = (key) => first.steps.reduce((t, m) => t + m[key], 0);
  const seconds = g.repeats.map((rep) => rep.steps.reduce((t, m) => t + m.seconds, 0));
  const seqs = first.steps.map((m) => m.sequences);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'plans', `${planOf(g.name)}.r${g.ranks}.s${g.seed}.report.json`), 'utf8'));
  rows.push({
    run: g.name, ranks: g.ranks, seed: g.seed, repeats: g.repeats.length,
    steps: first.steps.length,
    sequences_per_step: [Math.min(...seqs), median(seqs), Math.max(...seqs)],
    step_mix: report.plan.step_mix,
    seconds: { min: Math.min(...seconds), median: median(seconds), max: Math.max(...seconds), all: seconds },
    tokens: sum('tokens'),
    padding: sum('padding_tokens') / sum('tokens'),
    final_loss: mean(first.steps.slice(-5).map((m) => m.loss)),
    eval_loss: first.eval_loss,
    // Repeats train the same weights: their held-out losses must agree.
    eval_loss_repeats_agree: g.repeats.every((rep) => rep.eval_loss === first.eval_loss),
    by_task: lossByTask(first.dir),
  });
}

const base = Object.fromEntries(rows.filter((r) => r.run === 'naive-b1').map((r) => [`${r.ranks}.${r.seed}`, r.seconds.median]));
const pad = (s, n) => String(s).padStart(n);
const f = (x, d = 3) => (x === null || x === undefined ? '-' : x.toFixed(d));
console.log(`${'run'.padEnd(20)}${pad('rk', 3)}${pad('sd', 3)}${pad('steps', 6)}${pad('seq/step', 12)}${pad('cv', 6)}` +
            `${pad('seconds min/med/max', 22)}${pad('vs b1', 7)}${pad('tokens', 9)}${pad('pad', 6)}${pad('train', 7)}` +
            `${pad('eval', 7)}  eval by task (${taskNames.join(', ')})`);
for (const r of rows) {
  const s = r.seconds;
  const speedup = base[`${r.ranks}.${r.seed}`] / s.median;
  const secs = r.repeats > 1 ? `${f(s.min, 1)}/${f(s.median, 1)}/${f(s.max, 1)}` : f(s.median, 1);
  console.log(`${r.run.padEnd(20)}${pad(r.ranks, 3)}${pad(r.seed, 3)}${pad(r.steps, 6)}${pad(r.sequences_per_step.join('-'), 12)}` +
              `${pad(f(r.step_mix.sequences_per_step.cv, 2), 6)}${pad(secs, 22)}${pad(f(speedup, 2) + 'x', 7)}` +
              `${pad(r.tokens, 9)}${pad((100 * r.padding).toFixed(1) + '%', 6)}${pad(f(r.final_loss), 7)}` +
              `${pad(f(r.eval_loss), 7)}${r.eval_loss_repeats_agree ? ' ' : '*'} ` +
              (r.by_task ? taskNames.map((t) => f(r.by_task[t])).join(' ') : ''));
}
console.log('(* held-out loss differs between repeats of one run)');
fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify(rows, null, 2) + '\n');
