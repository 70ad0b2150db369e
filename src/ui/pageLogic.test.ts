import { describe, expect, it } from "vitest";
import { DEFAULT_TRACK_CONSTRAINTS, looksLikeHtml, resolvePageConfig } from "./app/config.js";
import { nextState, type TalkEvent, type TalkState } from "./app/state.js";
import { DEFAULT_AUDIO_TITLE } from "./pageTypes.js";

describe("resolvePageConfig", () => {
  it("applies FastRTC's defaults", () => {
    const c = resolvePageConfig({ mode: "send-receive", modality: "audio", path: "" });
    expect(c).toMatchObject({
      title: DEFAULT_AUDIO_TITLE,
      titleIsHtml: false,
      subtitle: undefined,
      icon: undefined,
      iconRadius: 50,
      hideTitle: false,
      fullScreen: true,
      mode: "send-receive",
      path: "",
      rtcConfiguration: {},
    });
    expect(c.trackConstraints).toEqual({
      echoCancellation: true,
      noiseSuppression: { exact: true },
      autoGainControl: { exact: true },
      sampleRate: { ideal: 24000 },
      sampleSize: { ideal: 16 },
      channelCount: { exact: 1 },
    });
    expect(c.trackConstraints).not.toBe(DEFAULT_TRACK_CONSTRAINTS);
  });

  it("keeps given values, clamps the radius and trims the path", () => {
    const c = resolvePageConfig({
      title: "<h2>Echo</h2>",
      subtitle: "1 < 2",
      icon: "/i.png",
      iconButtonColor: "teal",
      pulseColor: "#fff",
      iconRadius: 80,
      hideTitle: true,
      fullScreen: false,
      mode: "receive",
      path: "/api/",
      rtcConfiguration: { iceServers: [] },
      trackConstraints: { channelCount: 2 },
    });
    expect(c).toMatchObject({
      title: "<h2>Echo</h2>",
      titleIsHtml: true,
      subtitle: "1 < 2",
      subtitleIsHtml: false,
      icon: "/i.png",
      iconButtonColor: "teal",
      pulseColor: "#fff",
      iconRadius: 50,
      hideTitle: true,
      fullScreen: false,
      mode: "receive",
      path: "/api",
      rtcConfiguration: { iceServers: [] },
      trackConstraints: { channelCount: 2 },
    });
    expect(resolvePageConfig({ iconRadius: -5 }).iconRadius).toBe(0);
    expect(resolvePageConfig({ trackConstraints: null }).trackConstraints).toEqual(
      DEFAULT_TRACK_CONSTRAINTS,
    );
  });

  it("survives anything: a broken config still renders a page", () => {
    for (const raw of [null, "x", 3, [], { mode: "sideways", path: 7, title: "  " }]) {
      const c = resolvePageConfig(raw);
      expect(c.mode).toBe("send-receive");
      expect(c.path).toBe("");
      expect(c.title).toBe(DEFAULT_AUDIO_TITLE);
    }
  });

  it("treats a title as HTML only when it contains a tag", () => {
    expect(looksLikeHtml("<b>hi</b>")).toBe(true);
    expect(looksLikeHtml("a <br/> b")).toBe(true);
    expect(looksLikeHtml("1 < 2 > 0")).toBe(false);
    expect(looksLikeHtml("Powered by FastRTC ⚡️")).toBe(false);
  });
});

describe("talk state machine", () => {
  const run = (events: TalkEvent[], from: TalkState = "idle"): TalkState[] => {
    const seen: TalkState[] = [];
    let s = from;
    for (const e of events) {
      s = nextState(s, e);
      seen.push(s);
    }
    return seen;
  };
  const log = (data: string): TalkEvent => ({ type: "log", data });

  it("follows a whole turn", () => {
    expect(
      run([
        { type: "start" },
        { type: "connected" },
        log("started_talking"),
        log("pause_detected"),
        log("response_starting"),
        log("response_starting"),
        { type: "remote-quiet" },
        { type: "stop" },
      ]),
    ).toEqual([
      "connecting",
      "listening",
      "listening",
      "thinking",
      "speaking",
      "speaking",
      "listening",
      "idle",
    ]);
  });

  it("goes back to listening when the person interrupts", () => {
    expect(nextState("speaking", log("started_talking"))).toBe("listening");
    expect(nextState("thinking", log("started_talking"))).toBe("listening");
  });

  it("ignores events that do not apply", () => {
    expect(nextState("idle", log("pause_detected"))).toBe("idle");
    expect(nextState("connecting", log("response_starting"))).toBe("connecting");
    expect(nextState("listening", { type: "remote-quiet" })).toBe("listening");
    expect(nextState("listening", { type: "start" })).toBe("listening");
    expect(nextState("thinking", log("Server received: hi"))).toBe("thinking");
    expect(nextState("idle", { type: "connected" })).toBe("idle");
  });
});
