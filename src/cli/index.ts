#!/usr/bin/env node
/**
 * The `fastrtc-ts` command.
 *
 *   fastrtc-ts demo [--port N] [--host H]         the echo voice app with the built-in page
 *   fastrtc-ts replay [speech.wav] [replies.wav]  turn-taking demo on a recording
 */
import { runDemo } from "./demo.js";
import { runReplay } from "./replay.js";

const USAGE = `Usage: fastrtc-ts <command>

Commands:
  demo [--port 7860] [--host H]     the echo voice app: open the printed URL, talk, pause, hear
                                    yourself back (WebRTC, Silero VAD, offline)
  replay [speech.wav] [replies.wav] play a recording into an echo ReplyOnPause in real time and
                                    print the conversation (default: the shared two-turn fixture)
  help                              this text`;

const [command = "demo", ...rest] = process.argv.slice(2);
let code = 0;
switch (command) {
  case "demo":
    code = await runDemo(rest);
    break;
  case "replay":
    code = await runReplay(rest);
    break;
  case "help":
  case "--help":
  case "-h":
    console.log(USAGE);
    break;
  default:
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    code = 2;
}
process.exitCode = code;
