// The pieces both modes of `bfd-bench peg` share (one node in this process: peg_bench.cpp; three
// bfd-node processes: peg_nodes.cpp): the signed workload, the per-message stamps taken from final
// blocks, and the stage figures. Internal to bfd-bench.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chains/primitives/block.hpp"
#include "chains/peg/message.hpp"
#include "tools/bfd-bench/e2e_internal.hpp"
#include "tools/bfd-bench/peg_bench.hpp"

namespace bfd::bench::detail {

constexpr std::uint64_t peg_timeout_height = 1'000'000'000;  // a sidechain height never reached
inline const std::string native_denom = "BFDT";
inline const std::string voucher_denom = "peg/1/BFDT";
constexpr chain_kind kinds[] = {chain_kind::system_service, chain_kind::daos, chain_kind::ecosystem,
                                chain_kind::consortium};

/// Message i carries a value of its own, so a message body found in a block names its index.
amount value_of(std::size_t i);

/// Each account sends to one sidechain, so its returns are nonces 0, 1, ... there.
chain_id sidechain_of(const peg_bench_options& o, std::size_t i);

/// The signed workload: out[i] from account i % accounts (nonce i / accounts) to its sidechain,
/// and back[i], the same value of vouchers returned to the mainchain (used with --return).
struct peg_workload {
  std::vector<key_pair> keys;
  workload out;
  workload back;
};

/// What the tracker stamps per message index (0: not yet).
struct peg_stamps {
  explicit peg_stamps(std::size_t n)
    : send_final(n, 0), recv_final(n, 0), ack_final(n, 0), out_seq(n, none), ack_ok(n, 0), ret_submit(n, 0),
      ret_ack_final(n, 0), ret_seq(n, none), ret_ack_ok(n, 0) {}
  static constexpr std::uint64_t none = ~std::uint64_t{0};
  std::vector<std::int64_t> send_final, recv_final, ack_final;
  std::vector<std::uint64_t> out_seq;
  std::vector<std::uint8_t> ack_ok;
  std::vector<std::int64_t> ret_submit, ret_ack_final;
  std::vector<std::uint64_t> ret_seq;
  std::vector<std::uint8_t> ret_ack_ok;
  std::map<std::uint64_t, std::uint32_t> out_by_seq;                          // mainchain sequence -> i
  std::map<std::pair<chain_id, std::uint64_t>, std::uint32_t> ret_by_seq;     // (sidechain, sequence) -> i
  std::size_t acked = 0;
  std::size_t ret_acked = 0;
  std::int64_t last_ack_ns = 0;
  std::int64_t last_ret_ack_ns = 0;
  std::uint64_t main_blocks = 0;
  std::uint64_t side_blocks = 0;
  std::uint64_t max_block_peg_txs = 0;
  // Returns: submitted in nonce order per account once the voucher is final on the sidechain.
  std::vector<std::size_t> next_return;  // per account: the next k (message a + k * accounts)
  std::vector<std::uint8_t> stranded;    // per account: a return was refused
  std::size_t ret_submitted = 0;
  std::size_t ret_accepted = 0;
  std::map<std::string, std::size_t> ret_refused;
  std::string failure;
};

/// Signs the workload of `o` (keys derived as `bfd-bench e2e` derives them).
result<peg_workload> build_peg_workload(const peg_bench_options& o);

/// Stamps the workload's peg transactions in one final block of chain `chain`.
void stamp_block(chain_id chain, const block& b, std::int64_t now, const peg_workload& w, peg_stamps& s);

/// The latency figures of one stage: to[i] - from[i] over the messages that have both.
stage_figures stage(const std::vector<std::int64_t>& from, const std::vector<std::int64_t>& to, std::uint64_t slot_ms);

/// What one timed run shares between its submitter, its tracker and the main thread.
struct peg_run {
  explicit peg_run(const peg_bench_options& options);
  const peg_bench_options& o;
  submissions subs;
  peg_stamps st;
  std::atomic<bool> submitted{false};
  std::atomic<std::size_t> expected{0};
  std::atomic<std::int64_t> deadline{0};

  /// After the last answer: fixes what can be acknowledged and how long the tracker waits for it.
  std::size_t submission_done();
  /// For the tracker after each poll: a progress line every two seconds (unless --quiet), and
  /// whether everything submitted is acknowledged or the deadline has passed.
  bool poll_done();

private:
  std::int64_t start_ns_ = now_ns();
  std::int64_t next_progress_ns_ = start_ns_ + 2'000'000'000;
};

/// The sends that can be acknowledged: per account, the accepted ones before its first refusal.
std::size_t expected_sends(const submissions& subs, std::size_t accounts);

/// Every expected send acknowledged and (with --return) every return that can come, too.
bool all_acknowledged(const peg_bench_options& o, const submissions& subs, const peg_stamps& st, std::size_t expected);

/// One progress line on stderr.
void print_progress(const peg_bench_options& o, double seconds, const submissions& subs, const peg_stamps& st);

/// The report's submission, stage, rate, return and block figures from what the run recorded.
void fill_figures(peg_bench_report& rep, const submissions& subs, const peg_stamps& st, std::size_t expected);

/// `--nodes 3` (peg_nodes.cpp): runs the signed workload on three bfd-node processes; `rep` holds
/// the options and the figures measured before (raw verify, signing).
result<peg_bench_report> run_peg_nodes(peg_bench_report rep, peg_workload& w);

} // namespace bfd::bench::detail
