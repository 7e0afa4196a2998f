#pragma once

// dkv-console's session: one connection to a node (made lazily, again after
// it is lost) and the commands run over it, printed for humans or as one
// JSON object per command.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "messages/client_protocol.hpp"
#include "messages/errors.hpp"
#include "messages/type_registry.hpp"
#include "transport/transport.hpp"
#include "node-main/console_text.hpp"

namespace dkv::console {

constexpr const char* help_text
  = "commands:\n"
    "  get KEY [--r=N]                          read (siblings + context)\n"
    "  put KEY VALUE [--context=CTX] [--w=N]    write a new version\n"
    "  del KEY [--context=CTX] [--w=N]          delete (tombstone)\n"
    "  members                                  nodes and their status\n"
    "  ring                                     owner of every partition\n"
    "  preflist KEY                             the key's primary replicas\n"
    "  status                                   the node's settings and "
    "counters\n"
    "  aae                                      anti-entropy per partition\n"
    "  join HOST:PORT                           stage a running node's join\n"
    "  leave NODE [--force]                     stage a member's leave "
    "(--force:\n"
    "                                           even if it is down; data may "
    "be lost)\n"
    "  plan                                     what a commit would move\n"
    "  commit                                   apply the staged changes\n"
    "  clear                                    drop the staged changes\n"
    "  transfers                                partition transfers of this "
    "node\n"
    "  isolate MILLIS                           cut the node off from its "
    "peers\n"
    "                                           (chaos tests: needs "
    "dkv.fault-injection)\n"
    "  help                                     this text\n"
    "  quit                                     leave\n"
    "arguments may be quoted: put \"a key\" 'a value' (\\ escapes a "
    "character);\n"
    "a '--' word makes the words after it plain arguments; lines starting\n"
    "with '#' are comments.\n";

/// dkv-console's options (global: --host=... on the command line).
struct console_config : caf::actor_system_config {
  std::string host = "127.0.0.1";
  uint16_t port = 4101;
  bool json = false;
  caf::timespan timeout = std::chrono::seconds(10);

  console_config() {
    register_types(*this);
    opt_group{custom_options_, "global"}
      .add(host, "host", "node to talk to (default 127.0.0.1)")
      .add(port, "port", "its port (default 4101)")
      .add(json, "json", "print one JSON object per command")
      .add(timeout, "timeout",
           "deadline of connecting and of each command "
           "(default 10s)");
    // The console's own logs would interleave with its output.
    set("logger.verbosity", caf::atom("quiet"));
  }
};

inline std::string render_timespan(caf::timespan x) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(x).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s"
                        : std::to_string(ms) + "ms";
}

/// One connection to a node and the commands run over it. The connection is
/// made lazily and again after it is lost, so a REPL survives a node restart.
class session {
public:
  session(caf::actor_system& sys, const console_config& cfg)
    : sys_(sys), cfg_(cfg), self_(sys) {
    // nop
  }

  /// Connects now; false (and the error printed as op `connect`) if the
  /// node cannot be reached.
  bool connect() { return ensure_connected("connect"); }

  /// Whether some attempt to reach the node failed.
  bool unreachable() const { return unreachable_; }

  /// Whether the last command failed.
  bool last_failed() const { return last_failed_; }

  /// Runs one input line; false when it asks to quit. Blank lines and
  /// lines starting with '#' (comments in scripts) print nothing.
  bool run_line(const std::string& line) {
    if (console::first_token(line).compare(0, 1, "#") == 0)
      return true;
    auto words = console::split_words(line);
    if (!words) {
      fail(console::first_token(line), "invalid_argument",
           "unterminated quote or trailing '\\'");
      return true;
    }
    if (words->empty())
      return true;
    return run(*words);
  }

  /// Runs one command given as words; false when it asks to quit.
  bool run(const std::vector<std::string>& words) {
    last_failed_ = false;
    command cmd;
    if (auto err = console::parse_command(words, cmd); !err.empty()) {
      fail(cmd.op, "invalid_argument", err);
      return true;
    }
    return dispatch(cmd);
  }

private:
  // -- connection -------------------------------------------------------------

  /// Like middleman::remote_actor, but bounded by the timeout: remote_actor
  /// waits forever for a handshake, e.g. from a node stopped with SIGSTOP
  /// whose kernel still accepts connections.
  bool ensure_connected(const std::string& op) {
    if (node_ && !*lost_)
      return true;
    node_ = nullptr;
    auto where = cfg_.host + ":" + std::to_string(cfg_.port);
    self_
      ->request(transport_actor(sys_), cfg_.timeout,
                caf::connect_atom_v, cfg_.host, cfg_.port)
      .receive(
        [&](caf::node_id&, caf::strong_actor_ptr& ptr,
            std::set<std::string>& ifs) {
          if (!ptr) {
            unreachable(op, "unavailable", "no actor is published at " + where);
          } else if (!sys_.assignable<client_actor>(ifs)) {
            unreachable(op, "unavailable",
                        where + " does not speak dkv's client protocol");
          } else {
            node_ = caf::actor_cast<client_actor>(std::move(ptr));
            // CAF 0.17 drops messages to the proxy of a lost connection
            // without an error: the request would only time out. The flag
            // lets the next command connect again instead.
            auto lost = std::make_shared<std::atomic<bool>>(false);
            node_->attach_functor([lost](const caf::error&) { *lost = true; });
            lost_ = std::move(lost);
            if (*lost_) { // CAF's cache handed out a proxy already dead
              node_ = nullptr;
              unreachable(op, "unavailable",
                          "the connection to " + where + " closed at once");
            }
          }
        },
        [&](caf::error& err) {
          auto why = err == caf::sec::request_timeout
                       ? "no handshake within " + render_timespan(cfg_.timeout)
                       : sys_.render(err);
          if (err == caf::sec::disconnect_during_handshake)
            why += tls_enabled(sys_)
                     ? " (TLS refused: is this certificate signed by the "
                       "node's CA, and does the node speak TLS?)"
                     : " (does the node require TLS? then pass "
                       "--openssl.certificate, --openssl.key and "
                       "--openssl.cafile)";
          unreachable(op, error_name(err),
                      "cannot reach a dkv node at " + where + ": " + why);
        });
    return static_cast<bool>(node_);
  }

  void unreachable(const std::string& op, const std::string& error,
                   const std::string& message) {
    unreachable_ = true;
    fail(op, error, message);
  }

  static std::string error_name(const caf::error& err) {
    if (auto code = dkv_code(err); code != dkv_errc::none)
      return to_string(code);
    if (err == caf::sec::request_timeout)
      return "timeout";
    return "unavailable";
  }

  /// Sends `req` and runs `on_reply` on the answer, or prints the error.
  template <class Request, class OnReply>
  void ask(const std::string& op, Request req, OnReply on_reply) {
    if (!ensure_connected(op))
      return;
    self_->request(node_, cfg_.timeout, std::move(req))
      .receive(on_reply, [&](caf::error& err) {
        if (dkv_code(err) != dkv_errc::none) {
          fail(op, error_name(err), error_detail(err));
        } else if (*lost_) {
          unreachable(op, "unavailable",
                      "lost the connection to " + cfg_.host + ":"
                        + std::to_string(cfg_.port));
        } else if (err == caf::sec::request_timeout) {
          fail(op, "timeout",
               "no reply within " + render_timespan(cfg_.timeout));
        } else {
          fail(op, "unavailable", sys_.render(err));
        }
      });
  }

  // -- commands ---------------------------------------------------------------

  bool dispatch(const command& cmd) {
    if (cmd.op == "quit" || cmd.op == "exit") {
      if (cfg_.json)
        print(json_object{}.boolean("ok", true).str("op", cmd.op));
      return false;
    }
    if (cmd.op == "help") {
      if (cfg_.json)
        print(json_object{}
                .boolean("ok", true)
                .str("op", "help")
                .str("text", help_text));
      else
        std::cout << help_text << std::flush;
      return true;
    }
    using handler = void (session::*)(const command&);
    struct entry {
      handler fun;
      size_t args;
      std::vector<std::string> opts;
    };
    static const std::map<std::string, entry> table{
      {"get", {&session::do_get, 1, {"r"}}},
      {"put", {&session::do_put, 2, {"context", "w"}}},
      {"del", {&session::do_del, 1, {"context", "w"}}},
      {"members", {&session::do_members, 0, {}}},
      {"ring", {&session::do_ring, 0, {}}},
      {"preflist", {&session::do_preflist, 1, {}}},
      {"status", {&session::do_status, 0, {}}},
      {"aae", {&session::do_aae, 0, {}}},
      {"join", {&session::do_join, 1, {}}},
      {"leave", {&session::do_leave, 1, {"force"}}},
      {"plan", {&session::do_plan, 0, {}}},
      {"commit", {&session::do_commit, 0, {}}},
      {"clear", {&session::do_clear, 0, {}}},
      {"transfers", {&session::do_transfers, 0, {}}},
      {"isolate", {&session::do_isolate, 1, {}}},
    };
    auto i = table.find(cmd.op);
    if (i == table.end()) {
      fail(cmd.op, "invalid_argument",
           "unknown command '" + cmd.op + "' (try help)");
      return true;
    }
    auto& e = i->second;
    if (cmd.args.size() != e.args) {
      fail(cmd.op, "invalid_argument",
           cmd.op + " takes " + std::to_string(e.args)
             + " argument(s); see help");
      return true;
    }
    for (auto& kvp : cmd.opts) {
      if (std::find(e.opts.begin(), e.opts.end(), kvp.first) == e.opts.end()) {
        fail(cmd.op, "invalid_argument",
             "unknown option --" + kvp.first + " for " + cmd.op);
        return true;
      }
    }
    (this->*e.fun)(cmd);
    return true;
  }

  /// Reads option `name` as a quorum size (0 if absent: the cluster's);
  /// false (and an error printed) if it is not a positive number.
  bool quorum_opt(const command& cmd, const char* name, uint32_t& out) {
    out = 0;
    auto i = cmd.opts.find(name);
    if (i == cmd.opts.end())
      return true;
    auto& text = i->second;
    char* end = nullptr;
    auto value = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || text[0] == '-' || *end != '\0' || value == 0
        || value > 1000) {
      fail(cmd.op, "invalid_argument",
           std::string{"--"} + name + " needs a number in 1..N");
      return false;
    }
    out = static_cast<uint32_t>(value);
    return true;
  }

  static std::string opt(const command& cmd, const char* name) {
    auto i = cmd.opts.find(name);
    return i == cmd.opts.end() ? std::string{} : i->second;
  }

  void do_get(const command& cmd) {
    uint32_t r = 0;
    if (!quorum_opt(cmd, "r", r))
      return;
    auto& key = cmd.args[0];
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
      // Values are bytes: quoted and escaped, so that siblings, empty
      // values and control characters stay readable.
      if (reply.values.empty()) {
        std::cout << "(not found)\n";
      } else if (reply.values.size() == 1) {
        std::cout << json_string(reply.values[0]) << "\n";
      } else {
        std::cout << reply.values.size() << " siblings:\n";
        for (auto& value : reply.values)
          std::cout << "  " << json_string(value) << "\n";
      }
      std::cout << "context: " << reply.context << std::endl;
    });
  }

  void do_put(const command& cmd) {
    uint32_t w = 0;
    if (!quorum_opt(cmd, "w", w))
      return;
    auto& key = cmd.args[0];
    put_request_v1 req{key, opt(cmd, "context"), cmd.args[1], w};
    ask("put", std::move(req), [&](put_reply_v1& reply) {
      if (cfg_.json)
        print(json_object{}
                .boolean("ok", true)
                .str("op", "put")
                .str("key", key)
                .str("context", reply.context));
      else
        std::cout << "ok\ncontext: " << reply.context << std::endl;
    });
  }

  void do_del(const command& cmd) {
    uint32_t w = 0;
    if (!quorum_opt(cmd, "w", w))
      return;
    auto& key = cmd.args[0];
    ask("del", del_request_v1{key, opt(cmd, "context"), w},
        [&](del_reply_v1& reply) {
          if (cfg_.json)
            print(json_object{}
                    .boolean("ok", true)
                    .str("op", "del")
                    .str("key", key)
                    .str("context", reply.context));
          else
            std::cout << "ok\ncontext: " << reply.context << std::endl;
        });
  }

  void do_members(const command&) {
    ask("members", members_request_v1{}, [&](members_reply_v1& reply) {
      if (cfg_.json) {
        print(json_object{}
                .boolean("ok", true)
                .str("op", "members")
                .objects("members", reply.members, [](auto& m) {
                  return json_object{}
                    .str("name", m.name)
                    .str("address", m.address)
                    .str("status", m.status)
                    .num("partitions", m.partitions)
                    .num("last_heard_ms", m.last_heard_ms);
                }));
        return;
      }
      std::printf("%-12s %-22s %-8s %10s %14s\n", "NAME", "ADDRESS", "STATUS",
                  "PARTITIONS", "LAST HEARD");
      for (auto& m : reply.members) {
        auto heard = m.last_heard_ms < 0
                       ? std::string{"never"}
                       : std::to_string(m.last_heard_ms) + " ms";
        std::printf("%-12s %-22s %-8s %10u %14s\n", m.name.c_str(),
                    m.address.c_str(), m.status.c_str(), m.partitions,
                    heard.c_str());
      }
      std::fflush(stdout);
    });
  }

  void do_ring(const command&) {
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
      std::cout << std::flush;
    });
  }

  void do_preflist(const command& cmd) {
    auto& key = cmd.args[0];
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
      std::cout << std::endl;
    });
  }

  void change(const std::string& op, const std::string& target, bool force) {
    ask(op, cluster_change_v1{op, target, force},
        [&, op](cluster_plan_v1& reply) { print_plan(op, reply); });
  }

  void do_join(const command& cmd) { change("join", cmd.args[0], false); }
  void do_leave(const command& cmd) {
    change("leave", cmd.args[0], opt(cmd, "force") == "true");
  }
  void do_plan(const command&) { change("plan", "", false); }
  void do_commit(const command&) { change("commit", "", false); }
  void do_clear(const command&) { change("clear", "", false); }

  void print_plan(const std::string& op, const cluster_plan_v1& reply) {
    if (cfg_.json) {
      print(json_object{}
              .boolean("ok", true)
              .str("op", op)
              .num("ring_version", static_cast<int64_t>(reply.ring_version))
              .num("partitions_moving", reply.partitions_moving)
              .boolean("transition_in_progress", reply.transition_in_progress)
              .objects("staged", reply.staged,
                       [](auto& c) {
                         return json_object{}
                           .str("op", c.op)
                           .str("node", c.node)
                           .str("address", c.address)
                           .boolean("force", c.force);
                       })
              .objects("shares", reply.shares, [](auto& s) {
                return json_object{}
                  .str("node", s.node)
                  .num("partitions", s.now)
                  .num("next", s.next);
              }));
      return;
    }
    std::cout << op << ": ring version " << reply.ring_version;
    if (reply.transition_in_progress)
      std::cout << " (a change is moving partitions)";
    std::cout << "\n";
    if (reply.staged.empty())
      std::cout << "  nothing staged\n";
    for (auto& c : reply.staged)
      std::cout << "  staged: " << c.op << " " << c.node << " " << c.address
                << (c.force ? " (forced)" : "") << "\n";
    std::cout << "  partitions moving: " << reply.partitions_moving << "\n";
    for (auto& s : reply.shares)
      std::cout << "  " << s.node << "\t" << s.now << " -> " << s.next
                << " partitions\n";
    std::cout << std::flush;
  }

  void do_isolate(const command& cmd) {
    char* end = nullptr;
    auto& text = cmd.args[0];
    auto millis = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || millis > 86'400'000) {
      fail("isolate", "invalid_argument",
           "isolate takes milliseconds, 0 to 86400000 (got '" + text + "')");
      return;
    }
    isolate_request_v1 req{static_cast<uint32_t>(millis)};
    ask("isolate", req, [&](isolate_reply_v1& reply) {
      if (cfg_.json)
        print(json_object{}
                .boolean("ok", true)
                .str("op", "isolate")
                .num("millis", static_cast<int64_t>(reply.millis)));
      else
        std::cout << "cut off from its peers for " << reply.millis << " ms"
                  << std::endl;
    });
  }

  void do_transfers(const command&) {
    ask("transfers", transfers_request_v1{}, [&](transfers_reply_v1& reply) {
      if (cfg_.json) {
        print(json_object{}
                .boolean("ok", true)
                .str("op", "transfers")
                .num("ring_version", static_cast<int64_t>(reply.ring_version))
                .num("partitions_moving", reply.partitions_moving)
                .num("completed", static_cast<int64_t>(reply.completed))
                .objects("transfers", reply.transfers, [](auto& t) {
                  return json_object{}
                    .num("partition", t.partition)
                    .str("source", t.source)
                    .str("target", t.target)
                    .str("state", t.state)
                    .num("keys", static_cast<int64_t>(t.keys))
                    .num("bytes", static_cast<int64_t>(t.bytes))
                    .num("bytes_per_second",
                         static_cast<int64_t>(t.bytes_per_second))
                    .num("elapsed_ms", t.elapsed_ms)
                    .str("last_error", t.last_error);
                }));
        return;
      }
      std::cout << reply.partitions_moving
                << " partitions moving in the cluster; this node finished "
                << reply.completed << " transfers\n";
      for (auto& t : reply.transfers) {
        std::cout << "  " << t.partition << "\t" << t.source << " -> "
                  << t.target << "\t" << t.state << "\t" << t.keys << " keys, "
                  << t.bytes << " bytes";
        if (t.elapsed_ms > 0)
          std::cout << ", " << static_cast<int64_t>(t.bytes_per_second)
                    << " B/s";
        if (!t.last_error.empty())
          std::cout << ", last error: " << t.last_error;
        std::cout << "\n";
      }
      std::cout << std::flush;
    });
  }

  void do_aae(const command&) {
    ask("aae", aae_request_v1{}, [&](aae_reply_v1& reply) {
      if (cfg_.json) {
        print(json_object{}
                .boolean("ok", true)
                .str("op", "aae")
                .boolean("enabled", reply.enabled)
                .num("exchanges", static_cast<int64_t>(reply.exchanges))
                .num("keys_repaired", static_cast<int64_t>(reply.keys_repaired))
                .num("bytes", static_cast<int64_t>(reply.bytes))
                .objects("partitions", reply.partitions, [](auto& p) {
                  return json_object{}
                    .num("partition", p.partition)
                    .strings("in_sync", p.in_sync)
                    .num("last_exchange_ms", p.last_exchange_ms)
                    .num("exchanges", static_cast<int64_t>(p.exchanges))
                    .num("keys_repaired", static_cast<int64_t>(p.keys_repaired))
                    .str("last_error", p.last_error);
                }));
        return;
      }
      std::cout << "anti-entropy " << (reply.enabled ? "on" : "off") << ": "
                << reply.exchanges << " exchanges, " << reply.keys_repaired
                << " keys repaired, " << reply.bytes << " bytes\n";
      for (auto& p : reply.partitions) {
        std::cout << "  " << p.partition << "\tlast ";
        if (p.last_exchange_ms < 0)
          std::cout << "never";
        else
          std::cout << p.last_exchange_ms << " ms ago";
        std::cout << ", in sync with [";
        for (size_t i = 0; i < p.in_sync.size(); ++i)
          std::cout << (i > 0 ? " " : "") << p.in_sync[i];
        std::cout << "], " << p.keys_repaired << " repaired";
        if (!p.last_error.empty())
          std::cout << ", last error: " << p.last_error;
        std::cout << "\n";
      }
      std::cout << std::flush;
    });
  }

  void do_status(const command&) {
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
      std::cout << std::flush;
    });
  }

  // -- output -----------------------------------------------------------------

  void fail(const std::string& op, const std::string& error,
            const std::string& message) {
    last_failed_ = true;
    if (cfg_.json)
      print(json_object{}
              .boolean("ok", false)
              .str("op", op)
              .str("error", error)
              .str("message", message));
    else if (op == "connect") // not the answer to a command
      std::cerr << "dkv-console: " << message << std::endl;
    else
      std::cout << "error: " << error << ": " << message << std::endl;
  }

  void print(const json_object& obj) { std::cout << obj.str() << std::endl; }

  caf::actor_system& sys_;
  const console_config& cfg_;
  caf::scoped_actor self_;
  client_actor node_;
  std::shared_ptr<std::atomic<bool>> lost_;
  bool unreachable_ = false;
  bool last_failed_ = false;
};

} // namespace dkv::console
