/**
 * Telephone on the app's own routes, and an outbound call (FastRTC's two telephone recipes):
 *
 * - `POST /incoming-call` answers TwiML (`stream.twiml`) that connects the call to `/media-stream`,
 *   passing the caller's number along;
 * - `WS /media-stream` hands Twilio's Media Streams socket to `stream.telephoneHandler`;
 * - `POST /call-status` receives the call's progress (status callbacks);
 * - with `TO_NUMBER` set, the app asks Twilio to call that number (`createTwilioCall`); when the
 *   callee answers, Twilio fetches `/incoming-call` and the call lands in the same stream.
 *
 * The reply is an echo: say something, pause, and hear it back.
 *
 *   PUBLIC_URL=https://abc.ngrok.app TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... \
 *   FROM_NUMBER=+14155550199 TO_NUMBER=+14155550100 npx tsx examples/outbound-call.ts
 *
 * `PUBLIC_URL` is where Twilio reaches this server (a tunnel to port 8000, e.g. ngrok). Without
 * `TO_NUMBER` the app only answers calls: point a Twilio number's voice webhook at
 * `${PUBLIC_URL}/incoming-call`.
 */
import { createServer } from "node:http";
import express from "express";
import { WebSocketServer } from "ws";
import {
  type AudioChunk,
  createTwilioCall,
  getCurrentContext,
  ReplyOnPause,
  Stream,
  TwilioApiError,
  TwilioNetworkError,
} from "../src/index.js";

const PORT = Number(process.env.PORT ?? 8000);
const PUBLIC_URL = process.env.PUBLIC_URL;
const ACCOUNT_SID = process.env.TWILIO_ACCOUNT_SID;
const AUTH_TOKEN = process.env.TWILIO_AUTH_TOKEN;

async function* echo(audio: AudioChunk) {
  const call = getCurrentContext().telephone;
  if (call) console.log(`call ${call.callSid}: ${call.from ?? "?"} -> ${call.to ?? "?"}`);
  yield audio;
}

const stream = new Stream({
  handler: new ReplyOnPause(echo),
  modality: "audio",
  mode: "send-receive",
  // With an auth token, every request must carry Twilio's signature over PUBLIC_URL.
  telephone: { authToken: AUTH_TOKEN ?? null, publicUrl: PUBLIC_URL ?? null },
});

const app = express();

app.post("/incoming-call", express.urlencoded({ extended: false }), (req, res) => {
  if (!stream.checkTwilioRequest(req, req.body)) {
    res.sendStatus(403);
    return;
  }
  res.type("application/xml").send(
    stream.twiml({
      streamUrl: "/media-stream",
      request: req,
      say: "Connecting you to the assistant. Say something, then pause.",
      call: req.body, // From and To reach the handler: getCurrentContext().telephone
    }),
  );
});

app.post("/call-status", express.urlencoded({ extended: false }), (req, res) => {
  if (stream.checkTwilioRequest(req, req.body)) {
    console.log(`call ${req.body.CallSid}: ${req.body.CallStatus}`);
  }
  res.sendStatus(204);
});

const server = createServer(app);
const wss = new WebSocketServer({ server, path: "/media-stream" });
wss.on("connection", (socket, req) => stream.telephoneHandler(socket, req));
stream.on("dtmf", ({ id, digit }) => console.log(`stream ${id}: key ${digit}`));

server.listen(PORT, async () => {
  console.log(`listening on http://127.0.0.1:${PORT} (public: ${PUBLIC_URL ?? "not set"})`);
  const to = process.env.TO_NUMBER;
  const from = process.env.FROM_NUMBER;
  if (!to) return;
  if (!ACCOUNT_SID || !AUTH_TOKEN || !from || !PUBLIC_URL) {
    console.error(
      "TO_NUMBER needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, FROM_NUMBER and PUBLIC_URL",
    );
    return;
  }
  try {
    const call = await createTwilioCall({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      to,
      from,
      url: `${PUBLIC_URL}/incoming-call`,
      statusCallback: `${PUBLIC_URL}/call-status`,
      statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
    });
    console.log(`calling ${to}: ${call.sid} (${call.status})`);
  } catch (err) {
    if (err instanceof TwilioApiError) {
      console.error(
        `Twilio said no (${err.status}, code ${err.code}): ${err.message} ${err.moreInfo ?? ""}`,
      );
    } else if (err instanceof TwilioNetworkError) {
      console.error(`Twilio unreachable: ${err.message}`);
    } else throw err;
  }
});
