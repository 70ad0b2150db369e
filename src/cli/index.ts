#!/usr/bin/env node
/**
 * The `fastrtc-ts` command.
 *
 *   fastrtc-ts demo [--port N] [--host H] [--echo] the voice assistant with the built-in page
 *   fastrtc-ts replay [speech.wav] [replies.wav]  turn-taking demo on a recording
 *   fastrtc-ts models pull [name...] | list        model weights in the cache
 */
import { runDemo } from "./demo.js";
import { runModels } from "./models.js";
import { runReplay } from "./replay.js";

const USAGE = `Usage: fastrtc-ts <command>

Commands:
  demo [--port 7860] [--host H]     the voice assistant: open the printed URL, talk, pause; it
       [--llm-url URL --llm-key K   transcribes (Moonshine), answers (built-in, or an
        --llm-model M] [--echo]     OpenAI-compatible LLM) and speaks (espeak); offline.
                                    --echo: the echo app without speech models
  replay [speech.wav] [replies.wav] play a recording into an echo ReplyOnPause in real time and
                                    print the conversation (default: the shared two-turn fixture)
  models pull [name...] [--force]   fetch model weights into the cache (default: moonshine/tiny)
  models list                       known models, whether they are cached, and where
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
  case "models":
    code = await runModels(rest);
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
