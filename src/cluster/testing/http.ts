import { type Agent, request } from "node:http";
import type { Socket } from "node:net";

/** A JSON answer, with the time it took and the socket it came on. */
export interface HttpAnswer {
  status: number;
  json: Record<string, unknown>;
  /** Request written → response read, ms. */
  ms: number;
  socket: Socket | null;
}

/**
 * One JSON request. `agent` false opens a fresh TCP connection (closed after): in front of
 * `launch({ workers })` each such request may reach another worker. Else the agent's
 * (keep-alive) connection.
 */
export function httpCall(
  agent: Agent | false,
  method: "GET" | "POST",
  url: string,
  body?: unknown,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          "content-type": "application/json",
          ...(agent === false ? { connection: "close" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => {
          const ms = performance.now() - t0;
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, json, ms, socket: req.socket });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: timeout`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
