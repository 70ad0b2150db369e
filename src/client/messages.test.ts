import { describe, expect, it } from "vitest";
import type { ServerMessageEvents } from "./clientTypes.js";
import {
  dispatchServerMessage,
  messageText,
  parseServerMessage,
  serverMessageFromJson,
} from "./messages.js";

describe("parseServerMessage", () => {
  it("parses every message of the FastRTC catalogue (Python json.dumps spacing)", () => {
    expect(parseServerMessage('{"type": "send_input", "data": []}')).toEqual({
      type: "send_input",
      data: [],
    });
    expect(parseServerMessage('{"type": "fetch_output", "data": []}')).toEqual({
      type: "fetch_output",
      data: [],
    });
    expect(parseServerMessage('{"type": "log", "data": "pause_detected"}')).toEqual({
      type: "log",
      data: "pause_detected",
    });
    expect(parseServerMessage('{"type": "stopword", "data": ""}')).toEqual({
      type: "stopword",
      data: "",
    });
    expect(parseServerMessage('{"type": "end_stream", "data": "bye"}')).toEqual({
      type: "end_stream",
      data: "bye",
    });
    expect(parseServerMessage('{"type": "update_connection", "data": "closed"}')).toEqual({
      type: "update_connection",
      data: "closed",
    });
    expect(parseServerMessage('{"type": "error", "message": "boom"}')).toEqual({
      type: "error",
      message: "boom",
    });
    expect(parseServerMessage('{"type": "warning", "message": "careful"}')).toEqual({
      type: "warning",
      message: "careful",
    });
  });

  it("accepts error/warning text in data, preferring a non-empty field", () => {
    expect(parseServerMessage('{"type":"error","data":"x"}')).toEqual({
      type: "error",
      message: "x",
    });
    expect(parseServerMessage('{"type":"warning","message":"","data":"y"}')).toEqual({
      type: "warning",
      message: "y",
    });
    expect(parseServerMessage('{"type":"error","message":""}')).toEqual({
      type: "error",
      message: "",
    });
  });

  it("defaults missing data of send_input/fetch_output/stopword/end_stream", () => {
    expect(parseServerMessage('{"type":"send_input"}')).toEqual({ type: "send_input", data: [] });
    expect(parseServerMessage('{"type":"end_stream"}')).toEqual({ type: "end_stream", data: "" });
  });

  it("never throws: bad JSON and unknown or malformed messages are 'unknown' with the raw text", () => {
    for (const raw of [
      "",
      "not json",
      "{",
      "null",
      "42",
      '"log"',
      "[1,2]",
      '{"data":"x"}',
      '{"type":"nope"}',
      '{"type":"log","data":3}',
      '{"type":"update_connection","data":"maybe"}',
      '{"type":"error"}',
      '{"type":"end_stream","data":{"a":1}}',
    ]) {
      expect(parseServerMessage(raw)).toEqual({ type: "unknown", raw });
    }
  });
});

describe("shared message helpers", () => {
  it("serverMessageFromJson parses already-parsed JSON like parseServerMessage", () => {
    expect(serverMessageFromJson({ type: "warning", data: "w" }, "raw")).toEqual({
      type: "warning",
      message: "w",
    });
    expect(serverMessageFromJson([1], "[1]")).toEqual({ type: "unknown", raw: "[1]" });
  });

  it("dispatchServerMessage emits message, then the typed event (unknown: message only)", () => {
    const seen: [keyof ServerMessageEvents, unknown][] = [];
    const emit = (name: keyof ServerMessageEvents, payload: unknown) => seen.push([name, payload]);
    dispatchServerMessage({ type: "log", data: "x" }, emit);
    dispatchServerMessage({ type: "unknown", raw: "?" }, emit);
    dispatchServerMessage({ type: "error", message: "e" }, emit);
    expect(seen.map(([n]) => n)).toEqual(["message", "log", "message", "message", "error"]);
    expect(seen[1]![1]).toEqual({ type: "log", data: "x" });
  });

  it("messageText decodes strings, ArrayBuffers and typed arrays", () => {
    const bytes = new TextEncoder().encode('{"a":"é"}');
    expect(messageText("x")).toBe("x");
    expect(messageText(bytes)).toBe('{"a":"é"}');
    expect(messageText(bytes.buffer)).toBe('{"a":"é"}');
    expect(messageText(42)).toBeUndefined();
  });
});
