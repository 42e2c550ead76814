// Summarises bench/run_batching_bench.sh: one row per run from its metrics.jsonl (the steps and
// the final eval loss) and its test-scores.jsonl (`longalign score --json` on the held-out store,
// whose samples are test.jsonl's lines in order), with the held-out loss by task.
//
//   node bench/summarize_batching.mjs OUT_DIR
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2];
const lines = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
const tasks = lines(path.join(out, 'data', 'test.jsonl')).map((r) => r.task.replace(/^chat-.*/, 'chat'));
const taskNames = [...new Set(tasks)];

const rows = [];
for (const run of fs.readdirSync(path.join(out, 'runs')).sort()) {
  const dir = path.join(out, 'runs', run);
  const metrics = lines(path.join(dir, 'metrics.jsonl'));
  const steps = metrics.filter((m) => m.step !== undefined && m.loss !== undefined);
  const evals = metrics.filter((m) => m.eval_loss !== undefined);
  const sum = (key) => steps.reduce((s, m) => s + m[key], 0);
  const last = steps.slice(-5);
  const byTask = {};
  for (const s of lines(path.join(dir, 'test-scores.jsonl'))) {
    if (s.loss === null) continue;
    const t = tasks[s.index];
    (byTask[t] ??= []).push(s.loss);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  rows.push({
    run,
    steps: steps.length,
    sequences: [Math.min(...steps.map((m) => m.sequences)), Math.max(...steps.map((m) => m.sequences))],
    seconds: sum('seconds'),
    tokens: sum('tokens'),
    padding: sum('padding_tokens') / sum('tokens'),
    final_loss: mean(last.map((m) => m.loss)),
    eval_loss: evals.length ? evals[evals.length - 1].eval_loss : null,
    by_task: Object.fromEntries(taskNames.map((t) => [t, byTask[t] ? mean(byTask[t]) : null])),
  });
}

const base = Object.fromEntries(rows.filter((r) => r.run.startsWith('naive-b1')).map((r) => [r.run.slice(-2), r.seconds]));
const pad = (s, n) => String(s).padStart(n);
console.log(`${'run'.padEnd(20)}${pad('steps', 6)}${pad('seqs/step', 10)}${pad('seconds', 9)}${pad('vs b1', 7)}${pad('tokens', 10)}` +
            `${pad('padding', 8)}${pad('train', 7)}${pad('eval', 7)}  eval by task (${taskNames.join(', ')})`);
for (const r of rows) {
  const speedup = base[r.run.slice(-2)] / r.seconds;
  console.log(`${r.run.padEnd(20)}${pad(r.steps, 6)}${pad(r.sequences.join('-'), 10)}${pad(r.seconds.toFixed(1), 9)}${pad(speedup.toFixed(2) + 'x', 7)}` +
              `${pad(r.tokens, 10)}${pad((100 * r.padding).toFixed(1) + '%', 8)}${pad(r.final_loss.toFixed(3), 7)}` +
              `${pad(r.eval_loss === null ? '-' : r.eval_loss.toFixed(3), 7)}  ` +
              taskNames.map((t) => (r.by_task[t] === null ? '-' : r.by_task[t].toFixed(3))).join(' '));
}
fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify(rows, null, 2) + '\n');
