// dkv-console: a REPL against any node of a dkv cluster.
//
//   dkv-console [--host=H] [--port=P] [--json] [--timeout=10s] [-- COMMAND]
//
// See `usage` below for the modes and exit codes; the commands are in
// node-main/console_session.hpp.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include <editline/readline.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "node-main/console_session.hpp"

using dkv::console::console_config;
using dkv::console::session;

namespace {

const char* usage
  = "usage: dkv-console [--host=H] [--port=P] [--json] [--timeout=T]\n"
    "                   [-- COMMAND [ARGS...]]\n"
    "\n"
    "Talks to one dkv node. With a terminal on stdin: a prompt with line\n"
    "editing and history (~/.dkv_console_history). Otherwise one command\n"
    "per line, no prompt. A command after '--' (or after the options) runs\n"
    "alone. --json prints exactly one JSON object per command, on one line.\n"
    "\n"
    "Exit codes: 0 after the last command, failed commands included (their\n"
    "errors are in the output); 1 if the node could not be reached (at start\n"
    "or later), or if the single command given after '--' failed; 1 for bad\n"
    "options.\n"
    "\n";

/// The words of a command given on the command line (after `--`).
std::vector<std::string> argv_command;

/// The process's exit code; caf_main cannot return one through CAF_MAIN.
int exit_code = 0;

std::string history_file() {
  auto home = std::getenv("HOME");
  return home != nullptr && *home != '\0'
           ? std::string{home} + "/.dkv_console_history"
           : std::string{};
}

void interactive(session& s, const console_config& cfg) {
  auto history = history_file();
  using_history();
  stifle_history(1000);
  if (!history.empty())
    read_history(history.c_str());
  auto prompt = "dkv " + cfg.host + ":" + std::to_string(cfg.port) + "> ";
  std::cout << "connected to " << cfg.host << ":" << cfg.port
            << " (help for commands)" << std::endl;
  for (;;) {
    char* raw = readline(prompt.c_str());
    if (raw == nullptr) { // end of input (Ctrl-D)
      std::cout << std::endl;
      return;
    }
    std::string line{raw};
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) {
      add_history(line.c_str());
      // Written at once so that a killed console keeps what was typed.
      if (!history.empty())
        write_history(history.c_str());
    }
    if (!s.run_line(line))
      return;
  }
}

void caf_main(caf::actor_system& sys, const console_config& cfg) {
  if (cfg.timeout.count() <= 0) {
    std::cerr << "dkv-console: --timeout must be positive (e.g. 10s)"
              << std::endl;
    exit_code = 1;
    return;
  }
  // Words after the options (without `--`) are a command, too.
  if (argv_command.empty())
    argv_command = cfg.remainder;
  bool unreachable;
  {
    session s{sys, cfg};
    if (s.connect()) {
      if (!argv_command.empty()) {
        s.run(argv_command);
        exit_code = s.last_failed() ? 1 : 0;
      } else if (isatty(STDIN_FILENO)) {
        interactive(s, cfg);
      } else {
        std::string line;
        while (std::getline(std::cin, line))
          if (!s.run_line(line))
            break;
      }
    }
    unreachable = s.unreachable();
    if (unreachable)
      exit_code = 1;
  }
  std::cout << std::flush;
  // A connection attempt that never got an answer may still be pending in
  // CAF's middleman (its handshake has no deadline); skip a shutdown that
  // would wait for it.
  if (unreachable) {
    std::fflush(nullptr);
    std::_Exit(exit_code);
  }
}

} // namespace

int main(int argc, char** argv) {
  // CAF 0.17 keeps words after "--" badly (it also keeps the options before
  // it), so the command after "--" is cut off here.
  int caf_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      argv_command.assign(argv + i + 1, argv + argc);
      caf_argc = i;
      break;
    }
  }
  for (int i = 1; i < caf_argc; ++i) {
    auto arg = std::string{argv[i]};
    if (arg == "-h" || arg == "-?" || arg == "--help" || arg == "--long-help") {
      std::cout << usage << dkv::console::help_text << "\n";
      break;
    }
  }
  console_config cfg;
  if (auto done = dkv::configure_client(cfg, caf_argc, argv, "dkv-console"))
    return *done;
  caf::actor_system sys{cfg};
  caf_main(sys, cfg);
  return exit_code;
}
