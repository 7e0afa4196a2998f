#pragma once

// A client that coordinates reads itself (paper §6.4, client-driven
// coordination). It keeps the cluster's routing table (each partition's
// preference list, each node's address and status), taken from a node
// and refreshed at most every `refresh_interval` while requests come; it
// starts from the nodes it was given and connects, while requests come, to
// every member of the table it has no connection to (a node that joined,
// one it lost, one restarted), at most once per `reconnect_interval` each,
// so reads go straight to any key's replicas; it
//  - sends a get straight to the key's replicas and merges their versions
//    by causality (one network round trip instead of two), then repairs
//    the stale replicas it asked; under load, reads to the same node go
//    together (reads_in_flight); they go to the node's network reader
//    (actors/network_reader.hpp, named by the node's router), which
//    answers cached records on the node's network thread;
//  - sends a put or delete straight to a home replica that is up, which
//    coordinates it (no forwarding hop): the one that answered the key's
//    last read first (paper §5, the write-coordinator choice), or the
//    first in the preference list;
//  - lets a node coordinate whenever it cannot: no table yet, partitions
//    moving (writes then reach their gainers too), fewer than R replicas
//    reachable (the node's sloppy quorum takes over), a replica failing,
//    a key or R it cannot vouch for (the node answers with the error);
//  - relays every other request (members, ring, status ...) to a node.
// Its handle speaks client_actor, so an application that talked to one
// node's handle switches by spawning this instead. Send it an exit message
// when done (caf::anon_send_exit(client, caf::exit_reason::user_shutdown)):
// like any actor that talked to remote nodes, CAF's registry keeps it
// alive, and the actor system's shutdown would wait for it.

#include <map>
#include <string>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "messages/client_protocol.hpp"

namespace dkv {

enum class read_fanout {
  /// Ask R replicas (Voldemort's preferred reads): fewest messages; a
  /// replica that fails brings in the node's coordination.
  quorum,
  /// Ask all N and answer after R (the paper's get): a slow replica does
  /// not delay the answer, and every replica gets read repair.
  all,
};

enum class write_coordinator {
  /// The key's first usable home replica.
  first_replica,
  /// The home replica that answered this client's last read of the key
  /// first, when the write carries a context (it follows a read): a slow
  /// or stopped replica coordinates none of it, and the write lands where
  /// the next read is fastest. The paper carries the choice in the
  /// context; dkv remembers it in the client (the most recently read
  /// keys), so contexts keep one format for every client.
  fastest_reader,
};

struct cluster_client_config {
  /// Connected handles of the nodes to use, by the address they publish
  /// on ("host:port", as in the routing table): all of them, ideally.
  std::map<std::string, client_actor> entry_points;
  /// Deadline of each replica request made by the client itself.
  caf::timespan request_timeout = std::chrono::seconds(2);
  caf::timespan refresh_interval = std::chrono::seconds(1);
  /// Least time between two attempts to connect to the same member the
  /// client has no connection to; zero: use the entry points only.
  caf::timespan reconnect_interval = std::chrono::seconds(1);
  /// What connects (answers caf::connect_atom, host, port like CAF's
  /// middleman actor); default: the middleman of this system's transport.
  caf::actor connector;
  read_fanout fanout = read_fanout::quorum;
  write_coordinator writer = write_coordinator::fastest_reader;
  /// Keys whose fastest reader the client remembers (fastest_reader).
  size_t remembered_readers = 16384;
  /// Read messages on their way to one node at a time. A read goes at
  /// once while fewer are; else it waits for one to be answered and goes
  /// with the others waiting, in one message (vnode_get_batch_v2): under
  /// load, the node and both ends' network threads handle one message for
  /// many reads. A lone read waits for nothing. 0: no limit, every read in
  /// its own message. Measured (3-node loopback cluster on 2 cores,
  /// workload B, 50 outstanding): 0: 30,500-32,100 ops/s; 1: 49,100-
  /// 51,600; 2: 45,400-45,800; 4: 41,300-41,800.
  size_t reads_in_flight = 1;
  /// Most reads in one message.
  size_t read_batch = 64;
};

/// REQUIRES: !cfg.entry_points.empty().
client_actor spawn_cluster_client(caf::actor_system& sys,
                                  cluster_client_config cfg);

} // namespace dkv
