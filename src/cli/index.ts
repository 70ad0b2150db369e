#!/usr/bin/env node
/**
 * The `fastrtc-ts` command.
 *
 *   fastrtc-ts demo [speech.wav] [replies.wav]   turn-taking demo on a recording
 */
import { runDemo } from "./demo.js";

const USAGE = `Usage: fastrtc-ts <command>

Commands:
  demo [speech.wav] [replies.wav]   play a recording into an echo ReplyOnPause in real time and
                                    print the conversation (default: the shared two-turn fixture)
  help                              this text`;

const [command = "demo", ...rest] = process.argv.slice(2);
let code = 0;
switch (command) {
  case "demo":
    code = await runDemo(rest);
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
