// dkv-console: a REPL against any node of a dkv cluster.
//
//   dkv-console --host=127.0.0.1 --port=4101 [--json] [--timeout=10s]
//
// With a terminal on stdin: line editing and history (libedit, history in
// ~/.dkv_console_history). Otherwise one command per line, no prompt. With
// --json every command prints exactly one JSON object on one line. Exit code:
// 0 after the last command (failed commands included: their errors are in
// the output), 1 if the node cannot be reached at all.

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <unistd.h>

#include <editline/readline.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "messages/client_protocol.hpp"
#include "messages/errors.hpp"
#include "messages/type_registry.hpp"
#include "node-main/console_text.hpp"

using namespace dkv;
using console::json_object;

namespace {

struct console_config : caf::actor_system_config {
  std::string host = "127.0.0.1";
  uint16_t port = 4101;
  bool json = false;
  caf::timespan timeout = std::chrono::seconds(10);

  console_config() {
    register_types(*this);
    opt_group{custom_options_, "global"}
      .add(host, "host", "node to talk to")
      .add(port, "port", "its port")
      .add(json, "json", "print one JSON object per command")
      .add(timeout, "timeout", "deadline of each command (e.g. 10s)");
    // The console's own logs would interleave with its output.
    set("logger.verbosity", caf::atom("quiet"));
  }
};

const char* help_text =
  "commands:\n"
  "  get KEY [--r=N]                          read (siblings + context)\n"
  "  put KEY VALUE [--context=CTX] [--w=N]    write a new version\n"
  "  del KEY [--context=CTX] [--w=N]          delete (tombstone)\n"
  "  members                                  nodes and their status\n"
  "  ring                                     owner of every partition\n"
  "  preflist KEY                             the key's primary replicas\n"
  "  status                                   the node's settings and counters\n"
  "  help                                     this text\n"
  "  quit                                     leave\n"
  "arguments may be quoted: put \"a key\" 'a value'\n";

/// A parsed command: its words and its --name=value options.
struct command {
  std::string op;
  std::vector<std::string> args;
  std::map<std::string, std::string> opts;
};

std::string error_name(const caf::error& err) {
  auto code = dkv_code(err);
  if (code != dkv_errc::none)
    return to_string(code);
  if (err.category() == caf::atom("system")
      && err.code() == static_cast<uint8_t>(caf::sec::request_timeout))
    return "timeout";
  return "unavailable";
}

class repl {
public:
  repl(caf::actor_system& sys, const console_config& cfg, client_actor node)
    : sys_(sys), cfg_(cfg), node_(std::move(node)), self_(sys) {
    // nop
  }

  /// Runs one line; false when the user asked to quit.
  bool run_line(const std::string& line) {
    auto words = console::split_words(line);
    if (!words) {
      fail("?", "invalid_argument", "unterminated quote or trailing '\\'");
      return true;
    }
    if (words->empty())
      return true;
    command cmd;
    cmd.op = (*words)[0];
    for (size_t i = 1; i < words->size(); ++i) {
      auto& w = (*words)[i];
      if (w.size() > 2 && w.compare(0, 2, "--") == 0) {
        auto eq = w.find('=');
        if (eq == std::string::npos) {
          fail(cmd.op, "invalid_argument", "option " + w + " needs =VALUE");
          return true;
        }
        cmd.opts[w.substr(2, eq - 2)] = w.substr(eq + 1);
      } else {
        cmd.args.push_back(w);
      }
    }
    return dispatch(cmd);
  }

private:
  bool dispatch(const command& cmd) {
    if (cmd.op == "quit" || cmd.op == "exit")
      return false;
    if (cmd.op == "help") {
      if (cfg_.json)
        print(json_object{}.boolean("ok", true).str("op", "help").str(
          "text", help_text));
      else
        std::cout << help_text;
      return true;
    }
    using handler = void (repl::*)(const command&);
    static const std::map<std::string, std::pair<handler, size_t>> table{
      {"get", {&repl::do_get, 1}},         {"put", {&repl::do_put, 2}},
      {"del", {&repl::do_del, 1}},         {"members", {&repl::do_members, 0}},
      {"ring", {&repl::do_ring, 0}},       {"preflist", {&repl::do_preflist, 1}},
      {"status", {&repl::do_status, 0}},
    };
    auto i = table.find(cmd.op);
    if (i == table.end()) {
      fail(cmd.op, "invalid_argument",
           "unknown command '" + cmd.op + "' (try help)");
      return true;
    }
    if (cmd.args.size() != i->second.second) {
      fail(cmd.op, "invalid_argument",
           cmd.op + " takes " + std::to_string(i->second.second)
             + " argument(s); see help");
      return true;
    }
    (this->*(i->second.first))(cmd);
    return true;
  }

  /// Reads option `name` as a quorum size; false (and an error printed) if
  /// it is not a number.
  bool quorum_opt(const command& cmd, const char* name, uint32_t& out) {
    out = 0;
    auto i = cmd.opts.find(name);
    if (i == cmd.opts.end())
      return true;
    char* end = nullptr;
    auto value = std::strtoul(i->second.c_str(), &end, 10);
    if (i->second.empty() || *end != '\0' || value == 0 || value > 1000) {
      fail(cmd.op, "invalid_argument",
           std::string{"--"} + name + " needs a positive number");
      return false;
    }
    out = static_cast<uint32_t>(value);
    return true;
  }

  bool known_opts(const command& cmd, std::initializer_list<const char*> ok) {
    for (auto& kvp : cmd.opts) {
      bool known = false;
      for (auto name : ok)
        known = known || kvp.first == name;
      if (!known) {
        fail(cmd.op, "invalid_argument",
             "unknown option --" + kvp.first + " for " + cmd.op);
        return false;
      }
    }
    return true;
  }

  std::string opt(const command& cmd, const char* name) {
    auto i = cmd.opts.find(name);
    return i == cmd.opts.end() ? std::string{} : i->second;
  }

  template <class Request, class OnReply>
  void ask(const std::string& op, Request req, OnReply on_reply) {
    self_->request(node_, cfg_.timeout, std::move(req))
      .receive(on_reply, [&](caf::error& err) {
        fail(op, error_name(err),
             dkv_code(err) != dkv_errc::none ? error_detail(err)
                                              : sys_.render(err));
      });
  }

  void do_get(const command& cmd) {
    uint32_t r = 0;
    if (!known_opts(cmd, {"r"}) || !quorum_opt(cmd, "r", r))
      return;
    auto key = cmd.args[0];
    ask("get", get_request_v1{key, r}, [&](get_reply_v1& reply) {
      if (cfg_.json) {
        print(json_object{}
                .boolean("ok", true)
                .str("op", "get")
                .str("key", key)
                .strings("values", reply.values)
                .str("context", reply.context));
        return;
      }
      if (reply.values.empty())
        std::cout << "(not found)\n";
      else if (reply.values.size() > 1)
        std::cout << "(" << reply.values.size() << " siblings)\n";
      for (auto& v : reply.values)
        std::cout << v << "\n";
      std::cout << "context: " << reply.context << "\n";
    });
  }

  void do_put(const command& cmd) {
    uint32_t w = 0;
    if (!known_opts(cmd, {"w", "context"}) || !quorum_opt(cmd, "w", w))
      return;
    auto key = cmd.args[0];
    put_request_v1 req{key, opt(cmd, "context"), cmd.args[1], w};
    ask("put", std::move(req), [&](put_reply_v1& reply) {
      if (cfg_.json)
        print(json_object{}
                .boolean("ok", true)
                .str("op", "put")
                .str("key", key)
                .str("context", reply.context));
      else
        std::cout << "ok\ncontext: " << reply.context << "\n";
    });
  }

  void do_del(const command& cmd) {
    uint32_t w = 0;
    if (!known_opts(cmd, {"w", "context"}) || !quorum_opt(cmd, "w", w))
      return;
    auto key = cmd.args[0];
    ask("del", del_request_v1{key, opt(cmd, "context"), w},
        [&](del_reply_v1& reply) {
          if (cfg_.json)
            print(json_object{}
                    .boolean("ok", true)
                    .str("op", "del")
                    .str("key", key)
                    .str("context", reply.context));
          else
            std::cout << "ok\ncontext: " << reply.context << "\n";
        });
  }

  void do_members(const command& cmd) {
    if (!known_opts(cmd, {}))
      return;
    ask("members", members_request_v1{}, [&](members_reply_v1& reply) {
      if (cfg_.json) {
        std::string arr = "[";
        for (size_t i = 0; i < reply.members.size(); ++i) {
          auto& m = reply.members[i];
          arr += (i > 0 ? "," : "")
                 + json_object{}
                     .str("name", m.name)
                     .str("address", m.address)
                     .str("status", m.status)
                     .num("partitions", m.partitions)
                     .num("last_heard_ms", m.last_heard_ms)
                     .str();
        }
        print(json_object{}
                .boolean("ok", true)
                .str("op", "members")
                .raw("members", arr + "]"));
        return;
      }
      std::printf("%-12s %-22s %-8s %10s %14s\n", "NAME", "ADDRESS", "STATUS",
                  "PARTITIONS", "LAST HEARD");
      for (auto& m : reply.members)
        std::printf("%-12s %-22s %-8s %10u %14s\n", m.name.c_str(),
                    m.address.c_str(), m.status.c_str(), m.partitions,
                    m.last_heard_ms < 0
                      ? "never"
                      : (std::to_string(m.last_heard_ms) + " ms").c_str());
      std::fflush(stdout);
    });
  }

  void do_ring(const command& cmd) {
    if (!known_opts(cmd, {}))
      return;
    ask("ring", ring_request_v1{}, [&](ring_reply_v1& reply) {
      if (cfg_.json) {
        print(json_object{}
                .boolean("ok", true)
                .str("op", "ring")
                .num("partitions", reply.partitions)
                .strings("owners", reply.owners));
        return;
      }
      std::cout << reply.partitions << " partitions\n";
      for (size_t p = 0; p < reply.owners.size(); ++p)
        std::cout << "  " << p << "\t" << reply.owners[p] << "\n";
    });
  }

  void do_preflist(const command& cmd) {
    if (!known_opts(cmd, {}))
      return;
    auto key = cmd.args[0];
    ask("preflist", preflist_request_v1{key}, [&](preflist_reply_v1& reply) {
      if (cfg_.json) {
        print(json_object{}
                .boolean("ok", true)
                .str("op", "preflist")
                .str("key", key)
                .num("partition", reply.partition)
                .strings("nodes", reply.nodes));
        return;
      }
      std::cout << "partition " << reply.partition << ":";
      for (auto& n : reply.nodes)
        std::cout << " " << n;
      std::cout << "\n";
    });
  }

  void do_status(const command& cmd) {
    if (!known_opts(cmd, {}))
      return;
    ask("status", status_request_v1{}, [&](status_reply_v1& reply) {
      if (cfg_.json) {
        json_object stats;
        for (auto& s : reply.stats)
          stats.str(s.name, s.value);
        print(json_object{}
                .boolean("ok", true)
                .str("op", "status")
                .str("node", reply.node)
                .raw("stats", stats.str()));
        return;
      }
      std::cout << "node " << reply.node << "\n";
      for (auto& s : reply.stats)
        std::cout << "  " << s.name << ": " << s.value << "\n";
    });
  }

  void fail(const std::string& op, const std::string& error,
            const std::string& message) {
    if (cfg_.json)
      print(json_object{}
              .boolean("ok", false)
              .str("op", op)
              .str("error", error)
              .str("message", message));
    else
      std::cout << "error: " << error << ": " << message << "\n";
  }

  void print(const json_object& obj) {
    std::cout << obj.str() << std::endl;
  }

  caf::actor_system& sys_;
  const console_config& cfg_;
  client_actor node_;
  caf::scoped_actor self_;
};

std::string history_file() {
  auto home = std::getenv("HOME");
  return home ? std::string{home} + "/.dkv_console_history" : std::string{};
}

void caf_main(caf::actor_system& sys, const console_config& cfg) {
  auto node = sys.middleman().remote_actor<client_actor>(cfg.host, cfg.port);
  if (!node) {
    auto msg = "cannot reach a dkv node at " + cfg.host + ":"
               + std::to_string(cfg.port) + ": " + sys.render(node.error());
    if (cfg.json)
      std::cout << json_object{}
                     .boolean("ok", false)
                     .str("op", "connect")
                     .str("error", "unavailable")
                     .str("message", msg)
                     .str()
                << std::endl;
    else
      std::cerr << "dkv-console: " << msg << std::endl;
    std::exit(1);
  }
  repl session{sys, cfg, *node};
  if (!isatty(STDIN_FILENO)) {
    std::string line;
    while (std::getline(std::cin, line))
      if (!session.run_line(line))
        break;
    return;
  }
  auto history = history_file();
  if (!history.empty())
    read_history(history.c_str());
  auto prompt = "dkv " + cfg.host + ":" + std::to_string(cfg.port) + "> ";
  std::cout << "connected to " << cfg.host << ":" << cfg.port
            << " (help for commands)" << std::endl;
  while (char* raw = readline(prompt.c_str())) {
    std::string line{raw};
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) {
      add_history(line.c_str());
      if (!history.empty())
        write_history(history.c_str());
    }
    if (!session.run_line(line))
      break;
  }
}

} // namespace

CAF_MAIN(caf::io::middleman)
