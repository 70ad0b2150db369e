#!/usr/bin/env node
/**
 * The `fastrtc-ts` command.
 *
 *   fastrtc-ts demo [--port N] [--host H] [--echo] the voice assistant with the built-in page
 *   fastrtc-ts replay [speech.wav] [replies.wav]  turn-taking demo on a recording
 *   fastrtc-ts models pull [name...] | list        model weights in the cache
 *
 * Every command takes `--help` and `--version`. Commands are imported only when run, so `--help`
 * and `--version` answer at once.
 */
import { packageVersion } from "./args.js";

const USAGE = `Usage: fastrtc-ts <command> [options]    (fastrtc-ts <command> --help for its options)

Commands:
  demo [--port 7860] [--host H]     the voice assistant: open the printed URL, talk, pause; it
       [--llm-url URL --llm-key K   transcribes (Moonshine), answers (built-in, or an
        --llm-model M] [--echo]     OpenAI-compatible LLM) and speaks (espeak); offline.
                                    --echo: the echo app without speech models
  replay [speech.wav] [replies.wav] play a recording into an echo ReplyOnPause in real time and
                                    print the conversation (default: the repository's two-turn
                                    fixture, in a clone)
  models pull [name...] [--force]   fetch model weights into the cache (default: moonshine/tiny)
  models list                       known models, whether they are cached, and where
  help                              this text

Options: --help, -h (this text), --version, -v (the version)
Environment: FASTRTC_CACHE (model cache), FASTRTC_LOG (debug|info|warn|error|silent),
             FASTRTC_ONNX (auto|web|node; auto = node when installed)`;

const [command = "demo", ...rest] = process.argv.slice(2);
let code = 0;
switch (command) {
  case "demo":
    code = await (await import("./demo.js")).runDemo(rest);
    break;
  case "replay":
    code = await (await import("./replay.js")).runReplay(rest);
    break;
  case "models":
    code = await (await import("./models.js")).runModels(rest);
    break;
  case "help":
  case "--help":
  case "-h":
    console.log(USAGE);
    break;
  case "--version":
  case "-v":
  case "version":
    console.log(packageVersion());
    break;
  default:
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    code = 2;
}
process.exitCode = code;
