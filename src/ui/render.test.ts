import { describe, expect, it } from "vitest";
import { DEFAULT_AUDIO_TITLE, type PageConfig } from "./pageTypes.js";
import { renderPage } from "./render.js";

const base: PageConfig = {
  mode: "send-receive",
  modality: "audio",
  path: "",
  rtcConfiguration: { iceServers: [{ urls: "stun:stun.example.org:3478" }] },
};
const bundle = { js: "document.body.dataset.ready = '1';", css: "body{margin:0}" };

function embeddedConfig(html: string): { raw: string; value: unknown } {
  const open = '<script id="fastrtc-config" type="application/json">';
  const start = html.indexOf(open);
  expect(start).toBeGreaterThan(-1);
  const end = html.indexOf("</script>", start);
  const raw = html.slice(start + open.length, end);
  return { raw, value: JSON.parse(raw) };
}

describe("renderPage", () => {
  it("is a complete document with the stylesheet and the module script inlined", () => {
    const html = renderPage(base, bundle);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain("<style>body{margin:0}</style>");
    expect(html).toContain(`<script type="module">${bundle.js}</script>`);
    expect(html).toContain('<main id="fastrtc-root">');
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
  });

  it("embeds every uiArgs field and the connection settings in the config", () => {
    const config: PageConfig = {
      ...base,
      title: "Echo",
      subtitle: "Say something, then pause.",
      icon: "/icons/robot.svg",
      iconButtonColor: "#0f766e",
      pulseColor: "rgb(20 184 166)",
      iconRadius: 30,
      hideTitle: false,
      fullScreen: false,
      mode: "send",
      path: "/api",
      trackConstraints: { echoCancellation: false },
    };
    expect(embeddedConfig(renderPage(config, bundle)).value).toEqual(config);
  });

  it("embeds the extra inputs and outputs, the io routes and text turns", () => {
    const config: PageConfig = {
      ...base,
      sendInputOn: "submit",
      additionalInputs: [
        { type: "textbox", name: "persona", label: "</script>", value: "a <b>pirate</b>" },
        { type: "slider", name: "speed", label: "speed", min: 0.5, max: 2, step: 0.1, value: 1 },
      ],
      additionalOutputs: [{ type: "chatbot", name: "chat", label: "Conversation" }],
      ioRoutes: true,
      textTurns: true,
    };
    const html = renderPage(config, bundle);
    expect(embeddedConfig(html).value).toEqual(config);
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it("escapes the config so a value cannot close the script element", () => {
    const title = "</script><script>alert(1)</script> & <!-- x";
    const html = renderPage({ ...base, title, subtitle: "a\u2028b" }, bundle);
    const { raw, value } = embeddedConfig(html);
    expect(raw).not.toMatch(/[<>&\u2028]/);
    expect(raw).toContain("\\u003c/script\\u003e");
    expect(value).toMatchObject({ title, subtitle: "a\u2028b" });
    // exactly the two script elements of the page
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it("puts the title's text, HTML-escaped, in <title>", () => {
    expect(renderPage({ ...base, title: 'Q&A "live" <3' }, bundle)).toContain(
      "<title>Q&amp;A &quot;live&quot; &lt;3</title>",
    );
    expect(renderPage({ ...base, title: "<h2>My <em>voice</em> bot</h2>" }, bundle)).toContain(
      "<title>My voice bot</title>",
    );
    expect(renderPage(base, bundle)).toContain(`<title>${DEFAULT_AUDIO_TITLE}</title>`);
    expect(renderPage({ ...base, title: "<img src=x>" }, bundle)).toContain(
      `<title>${DEFAULT_AUDIO_TITLE}</title>`,
    );
  });

  it("keeps a closing tag inside the bundle from ending its element", () => {
    const html = renderPage(base, {
      js: 'const s = "</script>"; const t = `</SCRIPT >`;',
      css: '.a::after{content:"</style>"}',
    });
    expect(html).toContain('const s = "<\\/script>"; const t = `<\\/SCRIPT >`;');
    expect(html).toContain('.a::after{content:"<\\/style>"}');
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
    expect(html.match(/<\/style>/gi)).toHaveLength(1);
  });
});
