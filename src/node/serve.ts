// A small static HTTP server for the browser demo and the browser tests: files
// from one folder (plus in-memory files), never outside it, on 127.0.0.1 by
// default, with the COOP / COEP headers that make a page cross-origin isolated
// (SharedArrayBuffer, worker threads) unless told not to send them.

import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".ico": "image/x-icon",
};

export interface StaticServerOptions {
  /** Folder served at / (files outside it are never served); null: only `files`. */
  root: string | null;
  /** Files served from memory by URL path (e.g. "/model.mjs"), before the folder. */
  files?: Record<string, string | Uint8Array>;
  port?: number;
  host?: string;
  /** Send Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy (default true). */
  isolate?: boolean;
}

/**
 * Start serving; resolves with the server and its URL once it listens.
 * @example const { url, server } = await serveStatic({ root: "demo", files: { "/model.mjs": source } });
 */
export async function serveStatic(o: StaticServerOptions): Promise<{ server: Server; url: string }> {
  const root = o.root ? resolve(o.root) : null;
  const server = createServer(async (req, res) => {
    const headers: Record<string, string> = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
    if (o.isolate ?? true) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      res.writeHead(400, headers).end("bad request");
      return;
    }
    if (path.endsWith("/")) path += "index.html";
    const type = TYPES[extname(path)] ?? "application/octet-stream";
    const mem = o.files?.[path];
    if (mem !== undefined) {
      res.writeHead(200, { ...headers, "Content-Type": type }).end(mem);
      return;
    }
    const file = root ? normalize(join(root, path)) : null;
    if (!file || !(file === root || file.startsWith(root + sep))) {
      res.writeHead(404, headers).end("not found");
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": type }).end(body);
    } catch {
      res.writeHead(404, headers).end("not found");
    }
  });
  const host = o.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(o.port ?? 0, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  return { server, url: `http://${host}:${port}/` };
}
