import { describe, expect, it } from "vitest";
import {
  ConcurrencyLimitError,
  ConnectionExistsError,
  ConnectTimeoutError,
  FastRTCClientError,
  OfferHttpError,
  OfferRejectedError,
  offerRejection,
  PingTimeoutError,
  WebSocketClosedError,
  WebSocketUpgradeError,
} from "./errors.js";

describe("client errors", () => {
  it("maps offer rejections to typed errors", () => {
    const limit = offerRejection({ error: "concurrency_limit_reached", limit: 2 });
    expect(limit).toBeInstanceOf(ConcurrencyLimitError);
    expect(limit).toBeInstanceOf(OfferRejectedError);
    expect(limit).toBeInstanceOf(FastRTCClientError);
    expect(limit).toBeInstanceOf(Error);
    expect((limit as ConcurrencyLimitError).limit).toBe(2);
    expect(limit.code).toBe("concurrency_limit_reached");
    expect(limit.name).toBe("ConcurrencyLimitError");

    const exists = offerRejection({ error: "connection_already_exists" });
    expect(exists).toBeInstanceOf(ConnectionExistsError);
    expect(exists.code).toBe("connection_already_exists");

    const other = offerRejection({ error: "ValueError: bad" });
    expect(other.constructor).toBe(OfferRejectedError);
    expect(other.code).toBe("ValueError: bad");
    expect(other.meta).toEqual({ error: "ValueError: bad" });
    expect(other.message).toContain("ValueError: bad");

    expect(offerRejection(undefined).code).toBe("unknown");
    expect(offerRejection([1]).meta).toEqual({});
    expect(
      (offerRejection({ error: "concurrency_limit_reached" }) as ConcurrencyLimitError).limit,
    ).toBeNaN();
  });

  it("OfferHttpError parses a JSON detail, keeps the raw body", () => {
    const detail = [{ type: "missing", loc: ["body", "webrtc_id"], msg: "Field required" }];
    const e = new OfferHttpError(422, JSON.stringify({ detail }));
    expect(e.status).toBe(422);
    expect(e.detail).toEqual(detail);
    expect(e.name).toBe("OfferHttpError");
    const plain = new OfferHttpError(500, "Internal Server Error");
    expect(plain.detail).toBeUndefined();
    expect(plain.body).toBe("Internal Server Error");
    expect(new OfferHttpError(500, "[1]").detail).toBeUndefined();
  });

  it("ConnectTimeoutError carries the timeout", () => {
    const e = new ConnectTimeoutError(250);
    expect(e.timeoutMs).toBe(250);
    expect(e).toBeInstanceOf(FastRTCClientError);
  });
});

describe("WebSocket errors", () => {
  it("carry close code, reason, opened, and the HTTP status of refused upgrades", () => {
    const closed = new WebSocketClosedError(1008, "policy", true);
    expect(closed).toBeInstanceOf(FastRTCClientError);
    expect(closed).toMatchObject({ code: 1008, reason: "policy", opened: true });
    expect(closed.message).toMatch(/closed the WebSocket \(code 1008: policy\)/);
    expect(new WebSocketClosedError(1006, "", false).message).toMatch(/could not be opened/);
    const upgrade = new WebSocketUpgradeError(401, "no");
    expect(upgrade).toBeInstanceOf(WebSocketClosedError);
    expect(upgrade).toMatchObject({ status: 401, body: "no", code: 1006, opened: false });
    expect(upgrade.name).toBe("WebSocketUpgradeError");
    const ping = new PingTimeoutError(50);
    expect(ping.timeoutMs).toBe(50);
    expect(ping).toBeInstanceOf(FastRTCClientError);
  });
});
