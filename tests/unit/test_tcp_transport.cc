// Unit tests of the tcp transport: several TcpTransport instances in one process, each
// acting as one world rank in its own thread, meet through an in-memory bootstrap and
// talk over loopback. Catch2 assertions are not thread-safe, so rank threads report
// problems as text and the main thread checks them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mpi.h"
#include "transport/tcp/tcp_mesh.h"
#include "transport/tcp/tcp_transport.h"

namespace {

using weft::Status;
using weft::transport::Bootstrap;
using weft::transport::PacketSink;
using weft::transport::TcpTransport;
using namespace std::chrono_literals;

// The job-wide key/value store, shared by the ranks of one test.
struct FakeStore {
  std::mutex mutex;
  std::map<std::pair<int, std::string>, std::string> values;
};

class FakeBootstrap final : public Bootstrap {
 public:
  FakeBootstrap(FakeStore& store, int rank, int size) : store_(store), rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Status put(const std::string& key, const std::string& value) override {
    std::lock_guard lock(store_.mutex);
    store_.values[{rank_, key}] = value;
    return Status::success();
  }
  Status get(int from_rank, const std::string& key, std::string& value) override {
    std::lock_guard lock(store_.mutex);
    auto it = store_.values.find({from_rank, key});
    if (it == store_.values.end()) return Status(MPI_ERR_OTHER, "no key " + key);
    value = it->second;
    return Status::success();
  }

 private:
  FakeStore& store_;
  int rank_;
  int size_;
};

constexpr std::array<uint8_t, 16> kJobKey = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
constexpr std::array<uint8_t, 16> kOtherKey = {9, 9, 9};

TcpTransport::Options options(std::array<uint8_t, 16> key = kJobKey) {
  TcpTransport::Options result;
  result.interface = "127.0.0.1";  // tests stay on loopback whatever the environment says
  result.job_key = key;
  result.connect_timeout = 20s;
  result.close_timeout = 5s;
  return result;
}

struct Packet {
  int peer;
  std::vector<char> header;
  std::vector<char> payload;
  bool aligned;
};

class RecordingSink : public PacketSink {
 public:
  void on_packet(int peer, const void* header, size_t header_len, const void* payload,
                 size_t payload_len) override {
    const auto* h = static_cast<const char*>(header);
    const auto* p = static_cast<const char*>(payload);
    bool aligned = reinterpret_cast<uintptr_t>(header) % 8 == 0 &&
                   reinterpret_cast<uintptr_t>(payload) % 8 == 0;
    packets.push_back(Packet{peer, std::vector<char>(h, h + header_len),
                             std::vector<char>(p, p + payload_len), aligned});
  }
  std::vector<Packet> packets;
};

// Polls until `done` holds or the time limit passes; false on timeout (a failing test
// must not hang). Yields when idle: the rank threads may outnumber the cores.
bool pump_until(TcpTransport& transport, PacketSink& sink, const std::function<bool()>& done,
                std::chrono::milliseconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (transport.poll(sink) == 0) std::this_thread::yield();
    if (std::chrono::steady_clock::now() > deadline) return false;
  }
  return true;
}

// Runs fn(rank) in one thread per rank; returns each rank's complaint ("" when none).
std::vector<std::string> run_ranks(int ranks, const std::function<std::string(int)>& fn) {
  std::vector<std::string> problems(static_cast<size_t>(ranks));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < ranks; ++rank) {
    threads.emplace_back([&, rank] { problems[static_cast<size_t>(rank)] = fn(rank); });
  }
  for (auto& thread : threads) thread.join();
  return problems;
}

void check_no_problems(const std::vector<std::string>& problems) {
  for (size_t rank = 0; rank < problems.size(); ++rank) {
    INFO("rank " << rank);
    CHECK(problems[rank] == "");
  }
}

std::vector<int> all_ranks(int size) {
  std::vector<int> ranks(static_cast<size_t>(size));
  for (int i = 0; i < size; ++i) ranks[static_cast<size_t>(i)] = i;
  return ranks;
}

// A connected job of `size` transports (publish in order, then connect in parallel the
// way the real start-up does after its bootstrap barrier).
struct Job {
  FakeStore store;
  std::vector<std::unique_ptr<FakeBootstrap>> bootstraps;
  std::vector<std::unique_ptr<TcpTransport>> transports;

  explicit Job(int size, TcpTransport::Options opts = options()) {
    for (int rank = 0; rank < size; ++rank) {
      bootstraps.push_back(std::make_unique<FakeBootstrap>(store, rank, size));
      transports.push_back(std::make_unique<TcpTransport>(opts));
      Status published = transports.back()->publish(*bootstraps.back());
      INFO(published.message());
      REQUIRE(published.ok());
    }
    auto problems = run_ranks(size, [&](int rank) {
      Status connected = transports[static_cast<size_t>(rank)]->connect(
          *bootstraps[static_cast<size_t>(rank)], all_ranks(size));
      return connected.ok() ? std::string() : connected.message();
    });
    for (const auto& problem : problems) {
      INFO(problem);
      REQUIRE(problem.empty());
    }
  }
  TcpTransport& operator[](int rank) { return *transports[static_cast<size_t>(rank)]; }
};

// Deterministic contents that differ per (from, to, sequence, position).
char pattern(int from, int to, int sequence, size_t position) {
  return static_cast<char>(
      (from * 131 + to * 71 + sequence * 7 + static_cast<int>(position % 251)) & 0xff);
}

struct TestHeader {
  int32_t from;
  int32_t to;
  int32_t sequence;
  int32_t kind;
};

}  // namespace

TEST_CASE("tcp job key comes from WEFT_PMI_KEY text", "[unit][tcp]") {
  using weft::transport::tcp::job_key_from_text;
  CHECK(job_key_from_text("") == weft::transport::tcp::JobKey{});
  auto decoded = job_key_from_text("000102030405060708090a0B0c0D0e0F");
  for (size_t i = 0; i < decoded.size(); ++i) CHECK(decoded[i] == i);
  CHECK(job_key_from_text("job-42") == job_key_from_text("job-42"));
  CHECK(job_key_from_text("job-42") != job_key_from_text("job-43"));
  CHECK(job_key_from_text("job-42") != weft::transport::tcp::JobKey{});
}

TEST_CASE("tcp addresses split into host and port", "[unit][tcp]") {
  using weft::transport::tcp::split_address;
  std::string host;
  uint16_t port = 0;
  REQUIRE(split_address("127.0.0.1:4242", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 4242);
  REQUIRE(split_address("[::1]:65535", host, port));
  CHECK(host == "::1");
  CHECK(port == 65535);
  CHECK_FALSE(split_address("127.0.0.1", host, port));
  CHECK_FALSE(split_address("127.0.0.1:", host, port));
  CHECK_FALSE(split_address("127.0.0.1:65536", host, port));
  CHECK_FALSE(split_address(":80", host, port));
}

TEST_CASE("tcp publish rejects a wildcard or unknown interface", "[unit][tcp]") {
  FakeStore store;
  FakeBootstrap bootstrap(store, 0, 1);
  for (const char* text : {"0.0.0.0", "no-such-interface0"}) {
    TcpTransport::Options opts = options();
    opts.interface = text;
    TcpTransport transport(opts);
    Status published = transport.publish(bootstrap);
    INFO(published.message());
    CHECK_FALSE(published.ok());
    CHECK(published.message().find(text) != std::string::npos);
  }
  // An interface given by name works ("lo" carries 127.0.0.1).
  TcpTransport::Options opts = options();
  opts.interface = "lo";
  TcpTransport transport(opts);
  Status published = transport.publish(bootstrap);
  INFO(published.message());
  CHECK(published.ok());
  CHECK(transport.address().rfind("127.0.0.1:", 0) == 0);
}

TEST_CASE("tcp transport keeps per-peer order among 2 to 4 ranks", "[unit][tcp]") {
  const int size = GENERATE(2, 3, 4);
  INFO("ranks " << size);
  Job job(size);
  constexpr int kPackets = 300;

  auto problems = run_ranks(size, [&](int rank) -> std::string {
    TcpTransport& transport = job[rank];
    RecordingSink sink;
    std::vector<char> payload;
    for (int sequence = 0; sequence < kPackets; ++sequence) {
      for (int to = 0; to < size; ++to) {
        if (to == rank) continue;
        TestHeader header{rank, to, sequence, 0};
        // Sizes from 0 to ~70 KiB, so frames straddle reads and need padding.
        size_t length = static_cast<size_t>((sequence * 7919) % 70001) * (sequence % 3 != 0);
        payload.resize(length);
        for (size_t i = 0; i < length; ++i) payload[i] = pattern(rank, to, sequence, i);
        Status sent = transport.send(to, &header, sizeof header, payload.data(), payload.size());
        if (!sent.ok()) return "send: " + sent.message();
      }
      transport.poll(sink);
    }
    const size_t expected = static_cast<size_t>(kPackets) * static_cast<size_t>(size - 1);
    if (!pump_until(transport, sink, [&] {
          return sink.packets.size() >= expected && !transport.has_pending_sends();
        })) {
      return "timed out with " + std::to_string(sink.packets.size()) + " packets";
    }
    std::vector<int> next(static_cast<size_t>(size), 0);
    for (const Packet& packet : sink.packets) {
      TestHeader header;
      if (packet.header.size() != sizeof header) return "header size";
      std::memcpy(&header, packet.header.data(), sizeof header);
      if (!packet.aligned) return "header or payload not 8-byte aligned";
      if (header.from != packet.peer || header.to != rank) return "misaddressed packet";
      int& expected_sequence = next[static_cast<size_t>(packet.peer)];
      if (header.sequence != expected_sequence) {
        return "from rank " + std::to_string(packet.peer) + " got sequence " +
               std::to_string(header.sequence) + ", expected " + std::to_string(expected_sequence);
      }
      ++expected_sequence;
      size_t length =
          static_cast<size_t>((header.sequence * 7919) % 70001) * (header.sequence % 3 != 0);
      if (packet.payload.size() != length) return "payload length";
      for (size_t i = 0; i < length; ++i) {
        if (packet.payload[i] != pattern(header.from, rank, header.sequence, i))
          return "payload bytes";
      }
    }
    return "";
  });
  check_no_problems(problems);

  // Orderly shutdown of everyone together, as after the final barrier.
  run_ranks(size, [&](int rank) {
    job[rank].close();
    return std::string();
  });
}

TEST_CASE("tcp transport connects only the peers it is given", "[unit][tcp]") {
  // Two "hosts" of two ranks each: tcp carries only the traffic between hosts.
  constexpr int kSize = 4;
  FakeStore store;
  std::vector<std::unique_ptr<FakeBootstrap>> bootstraps;
  std::vector<std::unique_ptr<TcpTransport>> transports;
  for (int rank = 0; rank < kSize; ++rank) {
    bootstraps.push_back(std::make_unique<FakeBootstrap>(store, rank, kSize));
    transports.push_back(std::make_unique<TcpTransport>(options()));
    REQUIRE(transports.back()->publish(*bootstraps.back()).ok());
  }
  auto remote_peers = [](int rank) {
    std::vector<int> peers;
    for (int other = 0; other < kSize; ++other) {
      if (other / 2 != rank / 2) peers.push_back(other);
    }
    return peers;
  };
  auto problems = run_ranks(kSize, [&](int rank) -> std::string {
    TcpTransport& transport = *transports[static_cast<size_t>(rank)];
    Status connected =
        transport.connect(*bootstraps[static_cast<size_t>(rank)], remote_peers(rank));
    if (!connected.ok()) return connected.message();
    const int same_host = rank ^ 1;
    if (transport.peer_status(same_host).ok()) return "connected to a peer it was not given";
    if (transport.send(same_host, "x", 1, nullptr, 0).ok())
      return "sent to a peer it was not given";
    std::vector<int> fds;
    transport.wait_fds(fds);
    if (fds.size() != 2) return "waits on " + std::to_string(fds.size()) + " sockets";
    for (int peer : remote_peers(rank)) {
      TestHeader header{rank, peer, 0, 0};
      Status sent = transport.send(peer, &header, sizeof header, nullptr, 0);
      if (!sent.ok()) return sent.message();
    }
    RecordingSink sink;
    if (!pump_until(transport, sink, [&] { return sink.packets.size() == 2; })) return "timed out";
    for (const Packet& packet : sink.packets) {
      if (packet.peer / 2 == rank / 2) return "packet from a same-host rank";
    }
    return "";
  });
  check_no_problems(problems);
  run_ranks(kSize, [&](int rank) {
    transports[static_cast<size_t>(rank)]->close();
    return std::string();
  });
}

TEST_CASE("tcp transport queues large payloads behind the socket and keeps order", "[unit][tcp]") {
  Job job(2);
  constexpr size_t kLarge = 4 << 20;
  constexpr int kLargeCount = 4;
  constexpr int kSmallCount = 16;
  std::atomic<bool> all_sent{false};
  bool saw_queue = false;
  bool saw_not_ready = false;

  auto problems = run_ranks(2, [&](int rank) -> std::string {
    TcpTransport& transport = job[rank];
    RecordingSink sink;
    if (rank == 0) {
      std::vector<char> payload(kLarge);
      for (int sequence = 0; sequence < kLargeCount + kSmallCount; ++sequence) {
        // Large packets first, then small ones that must not overtake them.
        size_t length = sequence < kLargeCount ? kLarge : 100;
        for (size_t i = 0; i < length; ++i) payload[i] = pattern(0, 1, sequence, i);
        TestHeader header{0, 1, sequence, 0};
        Status sent = transport.send(1, &header, sizeof header, payload.data(), length);
        if (!sent.ok()) return sent.message();
        saw_queue = saw_queue || transport.has_pending_sends();
        saw_not_ready = saw_not_ready || !transport.ready_to_send(1, 1);
      }
      all_sent = true;
      // Keep the payload buffer busy with other bytes: the transport must have copied.
      std::fill(payload.begin(), payload.end(), 'x');
      if (!pump_until(transport, sink, [&] { return !transport.has_pending_sends(); })) {
        return "queue never drained";
      }
      if (!transport.ready_to_send(1, kLarge)) return "not ready after the queue drained";
      return "";
    }
    // The receiver stays away until everything is sent, so the sender's socket fills.
    while (!all_sent) std::this_thread::sleep_for(1ms);
    if (!pump_until(transport, sink,
                    [&] { return sink.packets.size() >= kLargeCount + kSmallCount; })) {
      return "received only " + std::to_string(sink.packets.size());
    }
    for (int sequence = 0; sequence < kLargeCount + kSmallCount; ++sequence) {
      const Packet& packet = sink.packets[static_cast<size_t>(sequence)];
      TestHeader header;
      std::memcpy(&header, packet.header.data(), sizeof header);
      if (header.sequence != sequence) return "out of order at " + std::to_string(sequence);
      size_t length = sequence < kLargeCount ? kLarge : 100;
      if (packet.payload.size() != length) return "wrong length at " + std::to_string(sequence);
      for (size_t i = 0; i < length; ++i) {
        if (packet.payload[i] != pattern(0, 1, sequence, i)) {
          return "wrong byte " + std::to_string(i) + " of packet " + std::to_string(sequence);
        }
      }
    }
    return "";
  });
  check_no_problems(problems);
  CHECK(saw_queue);
  CHECK(saw_not_ready);
  run_ranks(2, [&](int rank) {
    job[rank].close();
    return std::string();
  });
}

namespace {

// Answers every packet from inside on_packet: to the sender, and (on the middle rank of
// three) also to the third rank, so re-entrant sends hit the connection being read and
// another one. Replies alternate between tiny and large payloads, so some of them queue.
class ReplyingSink : public PacketSink {
 public:
  ReplyingSink(TcpTransport& transport, int rank, int size, int rounds)
      : transport_(transport), rank_(rank), size_(size), rounds_(rounds), large_(300 * 1024) {}

  void on_packet(int peer, const void* header, size_t header_len, const void* payload,
                 size_t payload_len) override {
    TestHeader received;
    if (header_len != sizeof received) return fail("header size");
    std::memcpy(&received, header, sizeof received);
    // Each peer's sequence numbers go up by two (the other half travels the other way).
    auto last = last_.find(peer);
    if (last != last_.end() && received.sequence != last->second + 2) {
      return fail("sequence " + std::to_string(received.sequence) + " from rank " +
                  std::to_string(peer) + " after " + std::to_string(last->second));
    }
    last_[peer] = received.sequence;
    size_t expected_length = received.sequence % 2 == 0 ? 1 : large_.size();
    if (payload_len != expected_length) return fail("payload length");
    if (static_cast<const char*>(payload)[payload_len - 1] !=
        static_cast<char>(received.sequence)) {
      return fail("payload byte");
    }
    ++received_;
    if (received.kind == 1) return;  // a copy sent to the third rank: no reply
    if (received.sequence + 1 >= rounds_) return;
    reply(peer, received.sequence + 1, 0);
    if (size_ == 3 && rank_ == 1) reply(2, received.sequence + 1, 1);
  }

  void reply(int to, int sequence, int kind) {
    TestHeader header{rank_, to, sequence, kind};
    size_t length = sequence % 2 == 0 ? 1 : large_.size();
    large_[length - 1] = static_cast<char>(sequence);
    Status sent = transport_.send(to, &header, sizeof header, large_.data(), length);
    if (!sent.ok()) fail(sent.message());
  }

  void fail(const std::string& what) {
    if (problem.empty()) problem = what;
  }

  std::string problem;
  int received_ = 0;

 private:
  TcpTransport& transport_;
  int rank_;
  int size_;
  int rounds_;
  std::vector<char> large_;
  std::map<int, int> last_;
};

}  // namespace

TEST_CASE("tcp transport lets the sink send from on_packet", "[unit][tcp]") {
  const int size = GENERATE(2, 3);
  INFO("ranks " << size);
  constexpr int kRounds = 400;
  Job job(size);
  auto problems = run_ranks(size, [&](int rank) -> std::string {
    TcpTransport& transport = job[rank];
    ReplyingSink sink(transport, rank, size, kRounds);
    // Rank 0 serves; rank 1 answers it (and copies to rank 2); rank 2 only listens.
    if (rank == 0) sink.reply(1, 0, 0);
    // Every rank receives half of the sequence numbers: rank 1 the even ones from rank
    // 0, rank 0 the odd replies, rank 2 the odd copies.
    const int expected = kRounds / 2;
    if (!pump_until(transport, sink, [&] {
          return !sink.problem.empty() ||
                 (sink.received_ >= expected && !transport.has_pending_sends());
        })) {
      return "timed out after " + std::to_string(sink.received_) + " packets";
    }
    return sink.problem;
  });
  check_no_problems(problems);
  run_ranks(size, [&](int rank) {
    job[rank].close();
    return std::string();
  });
}

TEST_CASE("tcp transport turns away connections of another job", "[unit][tcp]") {
  FakeStore store;
  FakeBootstrap bootstrap0(store, 0, 2);
  FakeBootstrap bootstrap1(store, 1, 2);
  TcpTransport rank0(options());
  REQUIRE(rank0.publish(bootstrap0).ok());

  Status connected0;
  std::thread acceptor([&] { connected0 = rank0.connect(bootstrap0, {0, 1}); });

  // A client that speaks garbage is closed without a reply.
  {
    std::string host;
    uint16_t port = 0;
    REQUIRE(weft::transport::tcp::split_address(rank0.address(), host, port));
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    char garbage[24];
    std::memset(garbage, 'G', sizeof garbage);
    REQUIRE(::write(fd, garbage, sizeof garbage) == static_cast<ssize_t>(sizeof garbage));
    char reply[24];
    CHECK(::read(fd, reply, sizeof reply) <= 0);
    ::close(fd);
  }

  // A process with the wrong job key is rejected and says so at once.
  {
    TcpTransport impostor(options(kOtherKey));
    FakeStore other_store;
    FakeBootstrap other_bootstrap(other_store, 1, 2);
    REQUIRE(impostor.publish(other_bootstrap).ok());
    std::string address;
    REQUIRE(bootstrap1.get(0, "tcp-addr", address).ok());
    {
      std::lock_guard lock(other_store.mutex);
      other_store.values[{0, "tcp-addr"}] = address;
    }
    Status rejected = impostor.connect(other_bootstrap, {0, 1});
    INFO(rejected.message());
    CHECK_FALSE(rejected.ok());
    CHECK(rejected.message().find("job key") != std::string::npos);
    CHECK(rejected.message().find("rank 0") != std::string::npos);
  }

  // The real rank 1 still gets in, and the pair works.
  TcpTransport rank1(options());
  REQUIRE(rank1.publish(bootstrap1).ok());
  Status connected1 = rank1.connect(bootstrap1, {0, 1});
  acceptor.join();
  INFO(connected0.message() << " / " << connected1.message());
  REQUIRE(connected0.ok());
  REQUIRE(connected1.ok());

  TestHeader header{1, 0, 7, 0};
  REQUIRE(rank1.send(0, &header, sizeof header, nullptr, 0).ok());
  RecordingSink sink;
  REQUIRE(pump_until(rank0, sink, [&] { return !sink.packets.empty(); }));
  CHECK(sink.packets[0].peer == 1);
  CHECK(sink.packets[0].payload.empty());
}

TEST_CASE("tcp connect names the peers missing at the deadline", "[unit][tcp]") {
  FakeStore store;
  TcpTransport::Options opts = options();
  opts.connect_timeout = 300ms;

  // Rank 0 waits for ranks 1 and 2, which never come.
  FakeBootstrap bootstrap0(store, 0, 3);
  TcpTransport rank0(opts);
  REQUIRE(rank0.publish(bootstrap0).ok());
  Status waited = rank0.connect(bootstrap0, {0, 1, 2});
  INFO(waited.message());
  CHECK_FALSE(waited.ok());
  CHECK(waited.message().find("timed out") != std::string::npos);
  CHECK(waited.message().find("ranks 1, 2") != std::string::npos);

  // Rank 1 tries to reach rank 0, whose listener has gone: the last error is named.
  FakeBootstrap bootstrap1(store, 1, 3);
  TcpTransport rank1(opts);
  REQUIRE(rank1.publish(bootstrap1).ok());
  Status refused = rank1.connect(bootstrap1, {0, 1});
  INFO(refused.message());
  CHECK_FALSE(refused.ok());
  CHECK(refused.message().find("ranks 0") != std::string::npos);
  CHECK(refused.message().find("refused") != std::string::npos);
}

TEST_CASE("tcp transport reports a peer that vanished and stops polling it", "[unit][tcp]") {
  Job job(3);
  // Rank 2 dies: its transport goes away without the orderly goodbye.
  job.transports[2].reset();

  RecordingSink sink;
  REQUIRE(pump_until(
      job[0], sink, [&] { return !job[0].peer_status(2).ok(); }, 10s));
  Status status = job[0].peer_status(2);
  CHECK(status.error_class() == MPI_ERR_PROC_ABORTED);
  CHECK(status.message().find("rank 2") != std::string::npos);

  char byte = 1;
  Status sent = job[0].send(2, &byte, 1, nullptr, 0);
  CHECK(sent.error_class() == MPI_ERR_PROC_ABORTED);
  CHECK(sent.message().find("rank 2") != std::string::npos);
  CHECK(job[0].ready_to_send(2, 1));  // never waits for room toward a dead peer

  std::vector<int> fds;
  job[0].wait_fds(fds);
  CHECK(fds.size() == 1);  // only rank 1's socket remains worth waiting on
  CHECK(job[0].poll(sink) == 0);

  // The healthy peer still works.
  REQUIRE(job[1].send(0, &byte, 1, &byte, 1).ok());
  REQUIRE(pump_until(job[0], sink, [&] { return sink.packets.size() == 1; }));
  CHECK(sink.packets[0].peer == 1);
}

TEST_CASE("tcp transport tells an orderly close from a crash", "[unit][tcp]") {
  TcpTransport::Options opts = options();
  opts.close_timeout = 200ms;  // rank 0 does not close in this test, so rank 1 stops waiting
  Job job(2, opts);
  std::thread closer([&] { job[1].close(); });
  RecordingSink sink;
  bool changed = pump_until(
      job[0], sink, [&] { return !job[0].peer_status(1).ok(); }, 10s);
  closer.join();
  REQUIRE(changed);
  Status status = job[0].peer_status(1);
  INFO(status.message());
  CHECK(status.message().find("finalized") != std::string::npos);
  CHECK(sink.packets.empty());  // the goodbye frame is not a packet
  job[0].close();
}

namespace {

// One-way latency (half the round trip, microseconds) of a 1-byte ping-pong between two
// busy-polling threads, where `exchange(rank, i)` does rank's part of round i.
double ping_pong_microseconds(const std::function<void(int, int)>& exchange) {
  constexpr int kWarmup = 2000;
  constexpr int kIterations = 30000;
  double microseconds = 0;
  run_ranks(2, [&](int rank) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kWarmup + kIterations; ++i) {
      if (i == kWarmup) start = std::chrono::steady_clock::now();
      exchange(rank, i);
    }
    if (rank == 0) {
      std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
      microseconds = elapsed.count() / kIterations / 2;
    }
    return std::string();
  });
  return microseconds;
}

}  // namespace

// Prints, does not assert: timing belongs to bench/. The raw-socket line is the floor the
// transport is measured against on the same machine at the same moment.
TEST_CASE("tcp 1-byte ping-pong latency", "[.][benchmark][tcp]") {
  Job job(2);
  struct CountingSink : PacketSink {
    void on_packet(int, const void*, size_t, const void*, size_t) override { ++count; }
    int count = 0;
  };
  CountingSink sinks[2];
  // Busy: poll() in a loop. Blocking: sleep in poll(2) on wait_fds() whenever poll()
  // finds nothing, as the engine does once its spin time is over.
  auto transport_exchange = [&](bool blocking) {
    return [&, blocking](int rank, int i) {
      TestHeader header{rank, 1 - rank, i, 0};
      char byte = 42;
      CountingSink& sink = sinks[rank];
      if (rank == 0) (void)job[0].send(1, &header, sizeof header, &byte, 1);
      while (sink.count == i) {
        if (job[rank].poll(sink) == 0 && blocking) {
          std::vector<int> fds;
          job[rank].wait_fds(fds);
          pollfd waiting{fds.at(0), POLLIN, 0};
          ::poll(&waiting, 1, -1);
        }
      }
      if (rank == 1) (void)job[1].send(0, &header, sizeof header, &byte, 1);
    };
  };
  const double transport_busy_us = ping_pong_microseconds(transport_exchange(false));
  sinks[0].count = sinks[1].count = 0;
  const double transport_blocking_us = ping_pong_microseconds(transport_exchange(true));

  // Both ranks driven by one thread in turn: loopback delivers inside sendmsg, so this is
  // the software path alone (send, kernel, epoll, read, deliver) with no scheduling in it.
  constexpr int kSameThreadRounds = 100000;
  auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < kSameThreadRounds; ++i) {
    TestHeader header{0, 1, i, 0};
    char byte = 42;
    (void)job[0].send(1, &header, sizeof header, &byte, 1);
    while (job[1].poll(sinks[1]) == 0) {
    }
    (void)job[1].send(0, &header, sizeof header, &byte, 1);
    while (job[0].poll(sinks[0]) == 0) {
    }
  }
  std::chrono::duration<double, std::micro> same_thread = std::chrono::steady_clock::now() - begin;
  const double transport_same_thread_us = same_thread.count() / kSameThreadRounds / 2;

  // The same exchanges over a bare loopback socket pair: send() and a busy recv().
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  int fds[2];
  fds[0] = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(fds[0], reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  fds[1] = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  for (int fd : fds) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  auto raw_exchange = [&](bool blocking) {
    return [&, blocking](int rank, int) {
      char byte = 42;
      if (rank == 0) (void)!::send(fds[0], &byte, 1, MSG_NOSIGNAL);
      while (::recv(fds[rank], &byte, 1, blocking ? 0 : MSG_DONTWAIT) != 1) {
      }
      if (rank == 1) (void)!::send(fds[1], &byte, 1, MSG_NOSIGNAL);
    };
  };
  const double raw_busy_us = ping_pong_microseconds(raw_exchange(false));
  const double raw_blocking_us = ping_pong_microseconds(raw_exchange(true));
  begin = std::chrono::steady_clock::now();
  for (int i = 0; i < kSameThreadRounds; ++i) {
    char byte = 42;
    (void)!::send(fds[0], &byte, 1, MSG_NOSIGNAL);
    while (::recv(fds[1], &byte, 1, MSG_DONTWAIT) != 1) {
    }
    (void)!::send(fds[1], &byte, 1, MSG_NOSIGNAL);
    while (::recv(fds[0], &byte, 1, MSG_DONTWAIT) != 1) {
    }
  }
  same_thread = std::chrono::steady_clock::now() - begin;
  const double raw_same_thread_us = same_thread.count() / kSameThreadRounds / 2;
  ::close(fds[0]);
  ::close(fds[1]);

  std::printf(
      "tcp ping-pong one way (us), two threads:  transport busy %.2f, blocking %.2f;  bare "
      "socket busy %.2f, blocking %.2f\n"
      "tcp ping-pong one way (us), one thread driving both ends: transport %.2f;  bare socket "
      "%.2f\n",
      transport_busy_us, transport_blocking_us, raw_busy_us, raw_blocking_us,
      transport_same_thread_us, raw_same_thread_us);
  run_ranks(2, [&](int rank) {
    job[rank].close();
    return std::string();
  });
}

TEST_CASE("tcp idle poll cost", "[.][benchmark][tcp]") {
  for (int size : {2, 3, 5, 9}) {
    Job job(size);
    RecordingSink sink;
    constexpr int kPolls = 200000;
    timespec begin{};
    timespec end{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &begin);
    for (int i = 0; i < kPolls; ++i) job[0].poll(sink);
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
    double ns = ((end.tv_sec - begin.tv_sec) * 1e9 + (end.tv_nsec - begin.tv_nsec)) / kPolls;
    std::printf("tcp idle poll() with %d peers: %.0f ns of CPU\n", size - 1, ns);
    run_ranks(size, [&](int rank) {
      job[rank].close();
      return std::string();
    });
  }
}

TEST_CASE("tcp transport connects to processes met after start-up", "[unit][tcp]") {
  // Two jobs of two ranks, started apart; then rank 0 of the first meets both ranks of the
  // second (as a parent meets its spawned children). Phase 1 never waits, so one thread can
  // run every side's phase 1, then every side's phase 2.
  Job first(2);
  Job second(2);
  const uint64_t uid_a0 = 100, uid_b0 = 50, uid_b1 = 200;  // b0 connects to a0, a0 to b1
  std::map<std::string, std::string> card_a0 = {{"tcp-addr", first[0].address()}};
  std::map<std::string, std::string> card_b0 = {{"tcp-addr", second[0].address()}};
  std::map<std::string, std::string> card_b1 = {{"tcp-addr", second[1].address()}};
  using Late = weft::transport::Transport::LatePeer;
  const std::vector<Late> a0_meets = {{2, uid_b0, &card_b0, ""}, {3, uid_b1, &card_b1, ""}};
  const std::vector<Late> b_meet = {{2, uid_a0, &card_a0, ""}};
  REQUIRE(first[0].connects_any_time());
  // The second job's ranks begin first: a0 must accept b0 whatever the order.
  REQUIRE(second[0].connect_late(uid_b0, b_meet).ok());
  REQUIRE(second[1].connect_late(uid_b1, b_meet).ok());
  REQUIRE(first[0].connect_late(uid_a0, a0_meets).ok());
  Status finished = first[0].finish_late(a0_meets);
  INFO(finished.message());
  REQUIRE(finished.ok());
  REQUIRE(second[0].finish_late(b_meet).ok());
  REQUIRE(second[1].finish_late(b_meet).ok());

  TestHeader header{0, 0, 1, 7};
  const std::string to_b0 = "from a0 to b0", to_b1 = "from a0 to b1";
  REQUIRE(first[0].send(2, &header, sizeof header, to_b0.data(), to_b0.size()).ok());
  REQUIRE(first[0].send(3, &header, sizeof header, to_b1.data(), to_b1.size()).ok());
  for (int b = 0; b < 2; ++b) {
    const std::string back = "from b" + std::to_string(b) + " to a0";
    REQUIRE(second[b].send(2, &header, sizeof header, back.data(), back.size()).ok());
  }
  RecordingSink at_a0, at_b0, at_b1;
  CHECK(pump_until(first[0], at_a0, [&] { return at_a0.packets.size() >= 2; }));
  CHECK(pump_until(second[0], at_b0, [&] { return !at_b0.packets.empty(); }));
  CHECK(pump_until(second[1], at_b1, [&] { return !at_b1.packets.empty(); }));
  REQUIRE(at_b0.packets.size() == 1);
  REQUIRE(at_b1.packets.size() == 1);
  CHECK(at_b0.packets[0].peer == 2);
  CHECK(std::string(at_b0.packets[0].payload.begin(), at_b0.packets[0].payload.end()) == to_b0);
  CHECK(std::string(at_b1.packets[0].payload.begin(), at_b1.packets[0].payload.end()) == to_b1);
  REQUIRE(at_a0.packets.size() == 2);
  for (const Packet& packet : at_a0.packets) {
    const int b = packet.peer - 2;
    REQUIRE((b == 0 || b == 1));
    CHECK(std::string(packet.payload.begin(), packet.payload.end()) ==
          "from b" + std::to_string(b) + " to a0");
  }
  // The world keeps working beside the late connections.
  REQUIRE(first[1].send(0, &header, sizeof header, nullptr, 0).ok());
  RecordingSink world;
  CHECK(pump_until(first[0], world, [&] { return !world.packets.empty(); }));
  CHECK(world.packets.at(0).peer == 1);
}

TEST_CASE("tcp transport: processes of jobs with different keys meet with a meeting key",
          "[unit][tcp]") {
  // As two separately started jobs meet through a port: each job has its own key, and the
  // pair presents the key of their meeting instead. A hello with another key is not taken
  // for the peer (the acceptor times out instead of talking to a stranger).
  std::array<uint8_t, 16> other_key{};
  other_key.fill(0x5a);
  TcpTransport::Options quick = options();
  quick.connect_timeout = 1s;
  Job first(1, quick);
  TcpTransport::Options other = options(other_key);
  other.connect_timeout = 1s;
  Job second(1, other);
  const std::string meeting = "00112233445566778899aabbccddeeff";
  const uint64_t uid_a = 10, uid_b = 20;  // a connects to b
  std::map<std::string, std::string> card_a = {{"tcp-addr", first[0].address()}};
  std::map<std::string, std::string> card_b = {{"tcp-addr", second[0].address()}};
  using Late = weft::transport::Transport::LatePeer;
  const std::vector<Late> a_meets = {{1, uid_b, &card_b, meeting}};
  const std::vector<Late> b_meets = {{1, uid_a, &card_a, meeting}};
  REQUIRE(first[0].connect_late(uid_a, a_meets).ok());
  REQUIRE(second[0].connect_late(uid_b, b_meets).ok());
  Status finished = second[0].finish_late(b_meets);
  INFO(finished.message());
  REQUIRE(finished.ok());
  REQUIRE(first[0].finish_late(a_meets).ok());
  TestHeader header{0, 0, 1, 7};
  const std::string text = "across jobs";
  REQUIRE(first[0].send(1, &header, sizeof header, text.data(), text.size()).ok());
  RecordingSink at_b;
  CHECK(pump_until(second[0], at_b, [&] { return !at_b.packets.empty(); }));
  REQUIRE(at_b.packets.size() == 1);
  CHECK(std::string(at_b.packets[0].payload.begin(), at_b.packets[0].payload.end()) == text);

  // A third process presents the wrong key: the acceptor does not take it for the peer.
  Job third(1, quick);
  std::map<std::string, std::string> card_c = {{"tcp-addr", third[0].address()}};
  const uint64_t uid_c = 5;  // c connects to b
  const std::vector<Late> c_meets = {{1, uid_b, &card_b, "ffeeddccbbaa99887766554433221100"}};
  const std::vector<Late> b_meets_c = {{2, uid_c, &card_c, meeting}};
  REQUIRE(third[0].connect_late(uid_c, c_meets).ok());
  REQUIRE(second[0].connect_late(uid_b, b_meets_c).ok());
  CHECK_FALSE(second[0].finish_late(b_meets_c).ok());
}
