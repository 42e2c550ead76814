#!/usr/bin/env node
// The reference point for bench/tokenizer_bench.cpp: the same documents through the npm package
// tiktoken (OpenAI's tiktoken compiled to WASM), o200k_base, encode_ordinary, one document after
// another on Node's one thread. Reports MB/s (10^6 bytes of UTF-8 text per second), best of N runs
// after a warm-up, and the token count.
//
//   node bench/tiktoken_bench.mjs CORPUS.jsonl [--runs 3] [--warmup 1] [--max-mb X]
//        [--ids FILE] [--tsv FILE] [--node-modules DIR]
//
// --ids FILE: the split_special ids tokenizer_bench wrote for the GPT-4o tokenizer.json (per
// document a little-endian u32 count, then the ids); every document is compared id for id with
// tiktoken's and the program exits 1 on any difference. GPT-4o's tokenizer.json is o200k_base, and
// split_special treats special tokens in the text as plain text, as encode_ordinary does.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function parseArgs(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = {
    corpus: null,
    runs: 3,
    warmup: 1,
    maxMb: 0,
    ids: null,
    tsv: null,
    nodeModules: join(here, "..", ".cache", "npm", "node_modules"),
  };
  const value = (i) => {
    if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--runs") args.runs = Number(value(i++));
    else if (a === "--warmup") args.warmup = Number(value(i++));
    else if (a === "--max-mb") args.maxMb = Number(value(i++));
    else if (a === "--ids") args.ids = value(i++);
    else if (a === "--tsv") args.tsv = value(i++);
    else if (a === "--node-modules") args.nodeModules = value(i++);
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (!args.corpus) args.corpus = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!args.corpus) usage("need a corpus");
  if (!(args.runs >= 1) || !(args.warmup >= 0)) usage("--runs must be at least 1, --warmup at least 0");
  return args;
}

function usage(message) {
  console.error(`error: ${message}`);
  console.error(
    "usage: node bench/tiktoken_bench.mjs CORPUS.jsonl [--runs N] [--warmup N] [--max-mb X] " +
      "[--ids FILE] [--tsv FILE] [--node-modules DIR]",
  );
  process.exit(2);
}

// The documents, stopping once --max-mb is reached, exactly as tokenizer_bench reads them.
function readCorpus(path, maxMb) {
  const texts = [];
  let bytes = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    const text = JSON.parse(line).text;
    if (typeof text !== "string") throw new Error(`${path}: a line without a "text" string`);
    texts.push(text);
    bytes += Buffer.byteLength(text, "utf8");
    if (maxMb > 0 && bytes >= maxMb * 1e6) break;
  }
  return { texts, bytes };
}

// Per document: u32 count, then the ids (little-endian).
function readIds(path) {
  const buf = readFileSync(path);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const docs = [];
  for (let at = 0; at < words.length; ) {
    const n = words[at];
    docs.push(words.subarray(at + 1, at + 1 + n));
    at += 1 + n;
  }
  return docs;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const require = createRequire(join(resolve(args.nodeModules), "noop.js"));
  let tiktoken;
  try {
    tiktoken = require("tiktoken");
  } catch (e) {
    console.error(`error: cannot load tiktoken from ${args.nodeModules} (run scripts/install-deps.sh): ${e.message}`);
    process.exit(1);
  }
  const version = JSON.parse(readFileSync(join(args.nodeModules, "tiktoken", "package.json"), "utf8")).version;
  const { texts, bytes } = readCorpus(args.corpus, args.maxMb);
  const mb = bytes / 1e6;
  const encoding = tiktoken.get_encoding("o200k_base");

  const encodeAll = () => texts.map((t) => encoding.encode_ordinary(t));
  for (let i = 0; i < args.warmup; ++i) encodeAll();
  let best = Infinity;
  let cores = 0; // CPU seconds / wall seconds of the best run: below 1, other work took the core
  let first = null;
  for (let i = 0; i < args.runs; ++i) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const ids = encodeAll();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    if (seconds < best) {
      best = seconds;
      cores = (cpu.user + cpu.system) / 1e6 / seconds;
    }
    if (!first) first = ids;
  }
  encoding.free();
  const tokens = first.reduce((n, ids) => n + ids.length, 0);
  const mbPerS = mb / best;
  console.log(`corpus: ${args.corpus}, ${texts.length} documents, ${mb.toFixed(2)} MB`);
  console.log(
    `tiktoken ${version} o200k_base encode_ordinary, node ${process.version}, 1 thread: ` +
      `${mbPerS.toFixed(2)} MB/s (best of ${args.runs} after ${args.warmup} warm-up; ` +
      `${cores.toFixed(2)} cores used), ${tokens} tokens`,
  );

  let compared = "";
  let mismatched = "";
  let ourTokens = "";
  if (args.ids) {
    const ours = readIds(args.ids);
    if (ours.length !== texts.length) {
      console.error(`error: ${args.ids} holds ${ours.length} documents, the corpus ${texts.length}`);
      process.exit(1);
    }
    let differ = 0;
    let total = 0;
    for (let d = 0; d < texts.length; ++d) {
      const a = ours[d];
      const b = first[d];
      total += a.length;
      let same = a.length === b.length;
      for (let k = 0; same && k < a.length; ++k) same = a[k] === b[k];
      if (same) continue;
      if (differ++ === 0) {
        let k = 0;
        while (k < a.length && k < b.length && a[k] === b[k]) ++k;
        console.error(
          `document ${d}: ids differ from position ${k}: ours [${Array.from(a.subarray(k, k + 8))}] ` +
            `tiktoken [${Array.from(b.subarray(k, k + 8))}]`,
        );
      }
    }
    compared = String(texts.length);
    mismatched = String(differ);
    ourTokens = String(total);
    console.log(
      `ours (gpt4o, split_special): ${total} tokens; tiktoken: ${tokens} tokens; ` +
        (differ ? `${differ} of ${texts.length} documents DIFFER` : `identical ids in all ${texts.length} documents`),
    );
  }
  if (args.tsv) {
    const rows = [
      "name\tmb_s_1\ttokens\tour_tokens\tdocuments_compared\tdocuments_differing\tversion\tcores",
      `tiktoken\t${mbPerS.toFixed(3)}\t${tokens}\t${ourTokens}\t${compared}\t${mismatched}\t${version}\t${cores.toFixed(3)}`,
    ];
    const tmp = `${args.tsv}.tmp${process.pid}`;
    writeFileSync(tmp, rows.join("\n") + "\n");
    renameSync(tmp, args.tsv);
  }
  process.exit(mismatched && mismatched !== "0" ? 1 : 0);
}

main();
