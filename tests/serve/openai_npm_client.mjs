// Drives a running `longalign serve` with OpenAI's official Node client, the way an application
// would, and checks what comes back. Run by openai_npm_client_test.cpp:
//   node openai_npm_client.mjs NPM_DIR BASE_URL API_KEY MODEL
// Exits 0 after printing "ok: <check>" per check; on a failure prints it and exits 1.
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [npmDir, baseURL, apiKey, model] = process.argv.slice(2);
const { default: OpenAI } = await import(pathToFileURL(path.join(npmDir, "openai", "index.mjs")));

// No retries: a 429 or 5xx must show up here, not be hidden by the client's backoff.
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0 });

const greedy = { model, temperature: 0, max_tokens: 24 };
const ask = (content) => [{ role: "user", content }];

async function chat(params) {
  return client.chat.completions.create(params);
}

// The streamed answer's chunks, read to the end.
async function chunks(stream) {
  const out = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

async function check(name, body) {
  await body();
  console.log(`ok: ${name}`);
}

await check("models list", async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), [model]);
  assert.equal(models.data[0].object, "model");
});

// The token counts of a usage object; prompt_tokens_details.cached_tokens depends on what the
// server had cached, so requests that got the same answer may differ there.
const counts = (u) => ({ prompt: u.prompt_tokens, completion: u.completion_tokens, total: u.total_tokens });

const plain = await chat({ ...greedy, messages: ask("Tell me about long contexts.") });

await check("plain chat", async () => {
  assert.match(plain.id, /^chatcmpl-/);
  assert.equal(plain.object, "chat.completion");
  assert.equal(plain.model, model);
  assert.equal(plain.choices.length, 1);
  assert.equal(plain.choices[0].message.role, "assistant");
  assert.equal(typeof plain.choices[0].message.content, "string");
  assert.ok(["stop", "length"].includes(plain.choices[0].finish_reason));
  const u = plain.usage;
  assert.ok(u.prompt_tokens > 0 && u.completion_tokens > 0 && u.completion_tokens <= 24);
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
});

await check("streamed chat equals the plain answer", async () => {
  const got = await chunks(
    await chat({
      ...greedy,
      messages: ask("Tell me about long contexts."),
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  for (const c of got) assert.equal(c.object, "chat.completion.chunk");
  assert.equal(got[0].choices[0].delta.role, "assistant");
  const usage = got.at(-1);
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(counts(usage.usage), counts(plain.usage));
  // The same prompt again: all of it but the last token comes from the first answer's cache.
  assert.equal(usage.usage.prompt_tokens_details.cached_tokens, plain.usage.prompt_tokens - 1);
  const finish = got.at(-2).choices[0];
  assert.equal(finish.finish_reason, plain.choices[0].finish_reason);
  const content = got
    .slice(0, -1)
    .map((c) => c.choices[0].delta.content ?? "")
    .join("");
  assert.equal(content, plain.choices[0].message.content);
  for (const c of got.slice(0, -2)) assert.equal(c.choices[0].finish_reason, null);
  assert.equal(new Set(got.map((c) => c.id)).size, 1);
});

await check("stream without usage ends at the finish chunk", async () => {
  const got = await chunks(await chat({ ...greedy, messages: ask("Hi"), stream: true }));
  assert.ok(got.at(-1).choices[0].finish_reason);
  assert.ok(got.every((c) => c.usage === undefined));
});

await check("completions, plain and streamed", async () => {
  const params = { model, prompt: "The capital of France is", temperature: 0, max_tokens: 12 };
  const done = await client.completions.create(params);
  assert.match(done.id, /^cmpl-/);
  assert.equal(done.object, "text_completion");
  assert.equal(typeof done.choices[0].text, "string");
  assert.equal(done.usage.completion_tokens <= 12, true);
  const got = await chunks(await client.completions.create({ ...params, stream: true }));
  assert.equal(got.map((c) => c.choices[0].text).join(""), done.choices[0].text);
  assert.equal(got.at(-1).choices[0].finish_reason, done.choices[0].finish_reason);
});

await check("max_completion_tokens limits the answer", async () => {
  const r = await chat({ model, temperature: 0, max_completion_tokens: 3, messages: ask("Hi") });
  assert.ok(r.usage.completion_tokens <= 3);
});

await check("a wrong key is an AuthenticationError", async () => {
  const wrong = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "not-the-key", maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ ...greedy, messages: ask("Hi") }), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.code, "invalid_api_key");
    return true;
  });
});

await check("bad fields are BadRequestErrors naming the field", async () => {
  for (const [patch, param] of [
    [{ temperature: 7 }, "temperature"],
    [{ n: 2 }, "n"],
    [{ messages: [{ role: "tool", content: "x" }] }, "messages[0].role"],
  ]) {
    await assert.rejects(chat({ ...greedy, messages: ask("Hi"), ...patch }), (e) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.equal(e.param, param);
      return true;
    });
  }
});

await check("an unknown model is a NotFoundError", async () => {
  await assert.rejects(chat({ ...greedy, model: "gpt-4o", messages: ask("Hi") }), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, String(e));
    assert.equal(e.code, "model_not_found");
    return true;
  });
});

await check("a malformed body is a 400 in OpenAI's error shape", async () => {
  const r = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: '{"model": "x", "messages": [',
  });
  assert.equal(r.status, 400);
  const body = await r.json();
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /JSON/);
});

await check("six concurrent requests each get their sequential answer", async () => {
  // Greedy and seeded sampling both: each request's answer must not depend on its neighbours.
  const requests = [0, 1, 2, 3, 4, 5].map((i) => ({
    model,
    max_tokens: 16 + i,
    messages: ask(`Question number ${i}: what is ${i} + ${i}?`),
    ...(i % 2 ? { temperature: 0.9, top_p: 0.95, seed: 100 + i } : { temperature: 0 }),
  }));
  const sequential = [];
  for (const r of requests) sequential.push(await chat(r));
  const concurrent = await Promise.all(requests.map((r) => chat(r)));
  concurrent.forEach((c, i) => {
    assert.equal(c.choices[0].message.content, sequential[i].choices[0].message.content, `#${i}`);
    assert.deepEqual(counts(c.usage), counts(sequential[i].usage), `#${i}`);
  });
});
