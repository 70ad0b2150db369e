import { describe, expect, it } from "vitest";
import { hasChromium, SKIP_REASON } from "../testing/chromium.js";
import type { PageConfig } from "./pageTypes.js";
import { Answerer } from "./testing/fakeApp.js";
import {
  BASE_CONFIG as baseConfig,
  type OpenedPage,
  pageSuite,
  settle,
  waitForState,
} from "./testing/pageSuite.js";

/** Inputs as the server sends them: every name, label and value filled in. */
const inputs: PageConfig["additionalInputs"] = [
  { type: "textbox", name: "persona", label: "Persona", value: "a friendly pirate" },
  { type: "slider", name: "speed", label: "Speaking speed", min: 0.5, max: 2, step: 0.1, value: 1 },
  { type: "number", name: "temperature", label: "Temperature", min: 0, max: 2, value: 0.7 },
  {
    type: "dropdown",
    name: "voice",
    label: "Voice",
    choices: ["af_heart", "am_adam"],
    value: "am_adam",
  },
  { type: "checkbox", name: "verbose", label: "Show timings", value: true },
];

const initialValues = {
  persona: "a friendly pirate",
  speed: 1,
  temperature: 0.7,
  voice: "am_adam",
  verbose: true,
};

describe.skipIf(!hasChromium)(
  `extra inputs, outputs and text turns in Chromium (${SKIP_REASON})`,
  () => {
    const suite = pageSuite();

    /** Opens the page with a fresh input hook (inputs forgotten, every post answered "ok"). */
    function open(config: PageConfig): Promise<OpenedPage> {
      suite.app.inputs.length = 0;
      suite.app.setHookResponse({ status: 200, body: { status: "ok" } });
      return suite.open(config);
    }

    it("without extra inputs or outputs, renders the plain page", async () => {
      const { page, errors } = await open({ ...baseConfig, title: "Plain" });
      try {
        const children = await page.$$eval("#fastrtc-root > *", (els) =>
          els.map((e) => e.className),
        );
        expect(children).toEqual([
          "fastrtc-messages",
          "fastrtc-header",
          "fastrtc-stage",
          "", // the audio element
        ]);
        expect(await page.locator(".fastrtc-panel, .fastrtc-composer").count()).toBe(0);
        expect(await page.getAttribute("#fastrtc-root", "data-layout")).toBeNull();
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it("sends the inputs, follows the outputs and sends typed turns during a call", async () => {
      const answerer = new Answerer();
      suite.app.setOfferHandler((body) => answerer.handle(body));
      const { page, errors } = await open({
        ...baseConfig,
        path: "/api",
        title: "Talk to the pirate",
        subtitle: "Speak, or type below.",
        additionalInputs: inputs,
        additionalOutputs: [
          { type: "chatbot", name: "chat", label: "Conversation" },
          { type: "textbox", name: "transcript", label: "Last transcript" },
          { type: "json", name: "metrics", label: "Metrics" },
        ],
        ioRoutes: true,
        textTurns: true,
      });
      try {
        // Inputs, with their labels and initial values.
        expect(await page.getByLabel("Persona", { exact: true }).inputValue()).toBe(
          "a friendly pirate",
        );
        const slider = page.getByLabel("Speaking speed", { exact: true });
        expect(await slider.getAttribute("type")).toBe("range");
        expect(await slider.inputValue()).toBe("1");
        expect(await page.textContent(".fastrtc-slider-value")).toBe("1.0");
        expect(await page.getByLabel("Temperature", { exact: true }).inputValue()).toBe("0.7");
        expect(await page.getByLabel("Voice", { exact: true }).inputValue()).toBe("am_adam");
        expect(await page.getByLabel("Show timings", { exact: true }).isChecked()).toBe(true);
        expect(await page.getByRole("form", { name: "Settings" }).count()).toBe(1);
        // Outputs: labelled live regions.
        const chat = page.getByRole("log", { name: "Conversation" });
        expect(await chat.getAttribute("aria-live")).toBe("polite");
        expect(await page.textContent(".fastrtc-chat-empty")).toBe(
          "The conversation will appear here.",
        );
        // The text field works while idle too (typing starts a call without the microphone).
        const message = page.getByLabel("Message", { exact: true });
        expect(await message.isDisabled()).toBe(false);
        // Changes outside a call send nothing.
        await page.getByLabel("Persona", { exact: true }).fill("a grumpy pirate");
        await page.waitForTimeout(500);
        expect(suite.app.inputs).toEqual([]);

        await page.click("button.fastrtc-button");
        await waitForState(page, "listening", 20_000);
        expect(await message.isDisabled()).toBe(false);
        const offer = suite.app.offers.find((o) => o.type === "offer");
        const webrtcId = String(offer?.webrtc_id);

        // The outputs stream of this call.
        const stream = await suite.app.waitForStream();
        expect(stream.webrtcId).toBe(webrtcId);

        // send_input: the current values are posted.
        await answerer.send({ type: "send_input", data: [] });
        const [first] = await suite.app.waitForInputs(1);
        expect(first).toEqual({
          webrtc_id: webrtcId,
          ...initialValues,
          persona: "a grumpy pirate",
        });

        // Moving the slider posts once the edits pause (change mode), once.
        await slider.focus();
        await page.keyboard.press("ArrowRight");
        await page.keyboard.press("ArrowRight");
        expect(await page.textContent(".fastrtc-slider-value")).toBe("1.2");
        const second = (await suite.app.waitForInputs(2))[1];
        expect(second).toMatchObject({ webrtc_id: webrtcId, speed: 1.2 });
        await page.waitForTimeout(600);
        expect(suite.app.inputs).toHaveLength(2);

        // An invalid number is flagged and not sent; fixing it sends.
        const temperature = page.getByLabel("Temperature", { exact: true });
        await temperature.fill("9");
        await page.waitForTimeout(600);
        await answerer.send({ type: "send_input", data: [] });
        await page
          .getByRole("alert")
          .getByText("Check “Temperature”: Must be at most 2.")
          .waitFor();
        expect(await temperature.getAttribute("aria-invalid")).toBe("true");
        expect(
          await page.textContent(".fastrtc-field[data-name=temperature] .fastrtc-field-error"),
        ).toBe("Must be at most 2.");
        expect(suite.app.inputs).toHaveLength(2);
        await temperature.fill("1.5");
        expect(await temperature.getAttribute("aria-invalid")).toBeNull();
        expect((await suite.app.waitForInputs(3))[2]).toMatchObject({
          temperature: 1.5,
          speed: 1.2,
        });
        await page.getByLabel("Show timings", { exact: true }).uncheck();
        expect((await suite.app.waitForInputs(4))[3]).toMatchObject({ verbose: false });
        await page.getByLabel("Voice", { exact: true }).selectOption("af_heart");
        expect((await suite.app.waitForInputs(5))[4]).toEqual({
          webrtc_id: webrtcId,
          persona: "a grumpy pirate",
          speed: 1.2,
          temperature: 1.5,
          voice: "af_heart",
          verbose: false,
        });

        // A refusal of the input hook is shown.
        suite.app.setHookResponse({
          status: 422,
          body: { detail: [{ loc: ["body", "speed"], msg: "Input should be less than 2" }] },
        });
        await answerer.send({ type: "send_input", data: [] });
        await page
          .getByRole("alert")
          .getByText(
            "The app did not accept the inputs: Speaking speed: Input should be less than 2",
          )
          .waitFor();
        suite.app.setHookResponse({ status: 200, body: { status: "ok" } });
        await page.click(".fastrtc-message-close >> nth=0");
        await page.click(".fastrtc-message-close >> nth=0");

        // Outputs from the stream.
        stream.send([
          [
            { role: "user", content: "Ahoy! Where be the treasure?" },
            { role: "assistant", content: "Arr, buried" },
          ],
          "Ahoy! Where be the treasure?",
          { latency_ms: 412, tokens: 18 },
        ]);
        await page.waitForSelector(".fastrtc-chat-message >> nth=1");
        // a streamed reply grows in place; the pairs format is accepted too
        stream.send([
          [
            [
              "Ahoy! Where be the treasure?",
              "Arr, buried on Skull Island, three paces from the palm.",
            ],
          ],
        ]);
        await page
          .locator(".fastrtc-chat-message[data-role=assistant]")
          .getByText("Arr, buried on Skull Island, three paces from the palm.")
          .waitFor();
        expect(await page.locator(".fastrtc-chat-message").count()).toBe(2);
        expect(await page.locator(".fastrtc-chat-empty").isHidden()).toBe(true);
        expect(await chat.textContent()).toContain(
          "You: Ahoy! Where be the treasure?Assistant: Arr",
        );
        expect(
          await page.textContent(".fastrtc-output[data-name=transcript] .fastrtc-output-text"),
        ).toBe("Ahoy! Where be the treasure?");
        expect(await page.textContent(".fastrtc-output-json")).toBe(
          '{\n  "latency_ms": 412,\n  "tokens": 18\n}',
        );
        stream.sendRaw("event: output\ndata: not json\n\n"); // ignored

        // A typed turn goes on the data channel; the app's outputs show it (no local copy).
        await message.fill("Which island?");
        await message.press("Enter");
        const sent = await answerer.waitForReceived(1);
        expect(JSON.parse(sent[0] ?? "")).toEqual({ type: "text", data: "Which island?" });
        expect(await message.inputValue()).toBe("");
        await page.waitForTimeout(200);
        expect(await page.locator(".fastrtc-chat-message").count()).toBe(2);
        stream.send([
          [
            { role: "user", content: "Ahoy! Where be the treasure?" },
            {
              role: "assistant",
              content: "Arr, buried on Skull Island, three paces from the palm.",
            },
            { role: "user", content: "Which island?" },
            { role: "assistant", content: "Skull Island, matey. Bring a shovel." },
          ],
          "Which island?",
          { latency_ms: 380, tokens: 9 },
        ]);
        await page.waitForSelector(".fastrtc-chat-message >> nth=3");
        await page.getByRole("button", { name: "Send" }).waitFor();
        await page.locator("button.fastrtc-button").evaluate((el) => el.blur());
        await message.focus();
        await settle(page);
        await page.screenshot({ path: "/tmp/ui-io.png", fullPage: true });
        await page.setViewportSize({ width: 420, height: 900 });
        await settle(page);
        await page.screenshot({ path: "/tmp/ui-io-narrow.png", fullPage: true });
        await page.setViewportSize({ width: 960, height: 720 });

        // Ending the call closes the stream; the text field stays usable (it starts a new call).
        await page.click("button.fastrtc-button");
        await waitForState(page, "idle");
        await stream.closed;
        expect(await message.isDisabled()).toBe(false);
        expect(await page.locator(".fastrtc-chat-message").count()).toBe(4); // kept for reading
        // (Chromium itself logs the refused input hook request.)
        expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
      } finally {
        await page.close();
        await answerer.pc.close();
      }
    });

    it("in submit mode, sends the inputs on Submit (and on send_input), not on change", async () => {
      const answerer = new Answerer();
      suite.app.setOfferHandler((body) => answerer.handle(body));
      const { page, errors } = await open({
        ...baseConfig,
        title: "Submit mode",
        additionalInputs: inputs,
        ioRoutes: true,
        sendInputOn: "submit",
        fullScreen: false,
      });
      try {
        const submit = page.getByRole("button", { name: "Submit" });
        expect(await submit.isDisabled()).toBe(true);
        expect(await page.getAttribute("#fastrtc-root", "data-layout")).toBe("stacked");
        await page.click("button.fastrtc-button");
        await waitForState(page, "listening", 20_000);
        const webrtcId = String(suite.app.offers.findLast((o) => o.type === "offer")?.webrtc_id);
        expect(await submit.isDisabled()).toBe(false);
        expect(suite.app.streams.filter((s) => s.webrtcId === webrtcId)).toEqual([]); // no outputs

        await page.getByLabel("Persona", { exact: true }).fill("a ghost");
        await page.waitForTimeout(600);
        expect(suite.app.inputs).toEqual([]);
        await submit.click();
        expect((await suite.app.waitForInputs(1))[0]).toEqual({
          webrtc_id: webrtcId,
          ...initialValues,
          persona: "a ghost",
        });
        await page.getByLabel("Persona", { exact: true }).fill("a parrot");
        await page.getByLabel("Persona", { exact: true }).press("Enter"); // Enter in a one-line field submits
        expect((await suite.app.waitForInputs(2))[1]).toMatchObject({ persona: "a parrot" });
        await answerer.send({ type: "send_input", data: [] });
        expect((await suite.app.waitForInputs(3))[2]).toMatchObject({ persona: "a parrot" });
        await settle(page);
        await page.screenshot({ path: "/tmp/ui-io-submit.png", fullPage: true });
        await page.click("button.fastrtc-button");
        await waitForState(page, "idle");
        expect(await submit.isDisabled()).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
        await answerer.pc.close();
      }
    });

    it("warns when the outputs stream is refused; without inputs, send_input posts nothing", async () => {
      const answerer = new Answerer();
      suite.app.setOfferHandler((body) => answerer.handle(body));
      suite.app.setRefuseOutputs(true);
      const { page, errors } = await open({
        ...baseConfig,
        title: "Outputs only",
        additionalOutputs: [{ type: "textbox", name: "t", label: "Transcript" }],
        ioRoutes: true,
      });
      try {
        expect(await page.locator(".fastrtc-inputs, .fastrtc-composer").count()).toBe(0);
        await page.click("button.fastrtc-button");
        await waitForState(page, "listening", 20_000);
        await page.getByRole("alert").getByText("The app's outputs could not be loaded.").waitFor();
        await answerer.send({ type: "send_input", data: [] });
        await answerer.send({ type: "fetch_output", data: [] });
        await page.waitForTimeout(500);
        expect(suite.app.inputs).toEqual([]);
        expect(await page.getByRole("alert").locator(".fastrtc-message").count()).toBe(1);
        await page.click("button.fastrtc-button");
        await waitForState(page, "idle");
        expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
      } finally {
        suite.app.setRefuseOutputs(false);
        await page.close();
        await answerer.pc.close();
      }
    });

    it("without io routes, shows typed turns in the chatbot itself and warns on send_input", async () => {
      const answerer = new Answerer();
      suite.app.setOfferHandler((body) => answerer.handle(body));
      const { page, errors } = await open({
        ...baseConfig,
        title: "Typed turns",
        additionalInputs: inputs.slice(0, 1),
        additionalOutputs: [{ type: "chatbot", name: "chat", label: "Conversation" }],
        textTurns: true,
      });
      try {
        const streamsBefore = suite.app.streams.length;
        await page.click("button.fastrtc-button");
        await waitForState(page, "listening", 20_000);
        const message = page.getByLabel("Message", { exact: true });
        await message.fill("Hello there");
        await page.getByRole("button", { name: "Send" }).click();
        const sent = await answerer.waitForReceived(1);
        expect(JSON.parse(sent[0] ?? "")).toEqual({ type: "text", data: "Hello there" });
        await page
          .locator(".fastrtc-chat-message[data-role=user]")
          .getByText("Hello there")
          .waitFor();
        expect(await message.inputValue()).toBe("");
        // Blank text is not sent.
        await message.fill("   ");
        expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
        await message.press("Enter");
        await page.waitForTimeout(200);
        expect(answerer.received).toHaveLength(1);

        await answerer.send({ type: "send_input", data: [] });
        await page
          .getByRole("alert")
          .getByText(/asked for its inputs/)
          .waitFor();
        await page.waitForTimeout(300);
        expect(suite.app.inputs).toEqual([]);
        expect(suite.app.streams.length).toBe(streamsBefore);
        await page.click("button.fastrtc-button");
        await waitForState(page, "idle");
        expect(errors).toEqual([]);
      } finally {
        await page.close();
        await answerer.pc.close();
      }
    });
  },
);
