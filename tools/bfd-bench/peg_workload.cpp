// The shared pieces of `bfd-bench peg` (peg_internal.hpp): workload, stamps, stage figures.
#include "tools/bfd-bench/peg_internal.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "chains/crypto/hash.hpp"
#include "chains/peg/peg_module.hpp"

namespace bfd::bench::detail {

/// Message i carries a value of its own, so a message body found in a block names its index.
amount value_of(std::size_t i) {
  return units_per_bfdt + i;
}

/// Each account sends to one sidechain, so its returns are nonces 0, 1, ... there.
chain_id sidechain_of(const peg_bench_options& o, std::size_t i) {
  return static_cast<chain_id>(2 + (i % o.accounts) % o.sidechains);
}

namespace {

status index_workload(workload& w, std::vector<transaction>& txs, std::size_t threads) {
  w.ids.resize(txs.size());
  parallel_for(txs.size(), threads, [&](std::size_t i) { w.ids[i] = signing_hash(txs[i]); });
  w.index.reserve(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i)
    if (!w.index.emplace(w.ids[i], static_cast<std::uint32_t>(i)).second)
      return make_error(errc::invalid_argument, fmt::format("transaction {} repeats an id", i));
  w.txs.reserve(txs.size());
  for (auto& tx : txs)
    w.txs.emplace_back(std::move(tx));
  return {};
}

} // namespace

result<peg_workload> build_peg_workload(const peg_bench_options& o) {
  peg_workload p;
  std::vector<std::optional<key_pair>> keys(o.accounts);
  parallel_for(o.accounts, o.threads, [&](std::size_t i) {
    if (auto k = account_key(i))
      keys[i] = *k;
  });
  for (const auto& k : keys) {
    if (!k)
      return make_error(errc::bad_secret_key, "a derived account key is invalid");
    p.keys.push_back(*k);
    p.out.allocations.push_back({address_of(k->pub), account_balance});
  }
  p.out.accounts = p.back.accounts = o.accounts;
  const std::size_t n = o.messages;
  std::vector<transaction> out(n);
  std::vector<transaction> back(o.return_trip ? n : 0);
  parallel_for(n, o.threads, [&](std::size_t i) {
    const auto& k = p.keys[i % o.accounts];
    const auto self = address_of(k.pub);
    hash256 aux;
    for (int b = 0; b < 8; ++b)
      aux.data[b] = static_cast<byte>(static_cast<std::uint64_t>(i) >> (56 - 8 * b));
    transaction& tx = out[i];
    tx.chain = mainchain_id;
    tx.nonce = i / o.accounts;
    tx.fee = transfer_fee;
    tx.expiry = transfer_expiry;
    tx.payload = peg_send_tx{sidechain_of(o, i), self, native_denom, value_of(i), peg_timeout_height};
    sign_transaction(tx, k, aux);
    if (!o.return_trip)
      return;
    aux.data[31] = 1;
    transaction& r = back[i];
    r.chain = sidechain_of(o, i);
    r.nonce = i / o.accounts;
    r.fee = transfer_fee;
    r.expiry = transfer_expiry;
    r.payload = peg_send_tx{mainchain_id, self, voucher_denom, value_of(i), peg_timeout_height};
    sign_transaction(r, k, aux);
  });
  if (auto st = index_workload(p.out, out, o.threads); !st)
    return st.error();
  if (auto st = index_workload(p.back, back, o.threads); !st)
    return st.error();
  return p;
}

namespace {

std::optional<std::size_t> index_of(const peg::peg_message& m, std::size_t n) {
  const auto* t = std::get_if<peg::asset_transfer>(&m.payload);
  if (!t || t->value < units_per_bfdt || t->value - units_per_bfdt >= n)
    return std::nullopt;
  return static_cast<std::size_t>(t->value - units_per_bfdt);
}

} // namespace

/// Stamps the workload's peg transactions in one final block of chain `chain`.
void stamp_block(chain_id chain, const block& b, std::int64_t now, const peg_workload& w, peg_stamps& s) {
  const std::size_t n = w.out.txs.size();
  std::uint64_t peg_txs = 0;
  for (const auto& tx : b.txs) {
    if (const auto* rcv = std::get_if<peg_receive_tx>(&tx.payload)) {
      const auto* m = rcv->body ? std::get_if<peg::peg_message>(&rcv->body->entry) : nullptr;
      auto i = m ? index_of(*m, n) : std::nullopt;
      if (!i)
        continue;
      ++peg_txs;
      if (chain != mainchain_id && m->id.source == mainchain_id && s.recv_final[*i] == 0) {
        s.recv_final[*i] = now;
        s.out_seq[*i] = m->id.sequence;
        s.out_by_seq[m->id.sequence] = static_cast<std::uint32_t>(*i);
      } else if (chain == mainchain_id && m->id.source != mainchain_id && s.ret_seq[*i] == peg_stamps::none) {
        s.ret_seq[*i] = m->id.sequence;
        s.ret_by_seq[{m->id.source, m->id.sequence}] = static_cast<std::uint32_t>(*i);
      }
    } else if (const auto* ack_tx = std::get_if<peg_acknowledge_tx>(&tx.payload)) {
      const auto* a = ack_tx->body ? std::get_if<peg::peg_ack>(&ack_tx->body->entry) : nullptr;
      if (!a)
        continue;
      ++peg_txs;
      if (chain == mainchain_id && a->id.source == mainchain_id) {
        auto i = s.out_by_seq.find(a->id.sequence);
        if (i != s.out_by_seq.end() && s.ack_final[i->second] == 0) {
          s.ack_final[i->second] = now;
          s.ack_ok[i->second] = a->success();
          ++s.acked;
          s.last_ack_ns = now;
        }
      } else if (chain != mainchain_id && a->id.source == chain) {
        auto i = s.ret_by_seq.find({a->id.source, a->id.sequence});
        if (i != s.ret_by_seq.end() && s.ret_ack_final[i->second] == 0) {
          s.ret_ack_final[i->second] = now;
          s.ret_ack_ok[i->second] = a->success();
          ++s.ret_acked;
          s.last_ret_ack_ns = now;
        }
      }
    } else if (chain == mainchain_id) {
      if (auto i = w.out.index.find(signing_hash(tx)); i != w.out.index.end()) {
        ++peg_txs;
        if (s.send_final[i->second] == 0)
          s.send_final[i->second] = now;
      }
    } else if (w.back.index.count(signing_hash(tx))) {
      ++peg_txs;
    }
  }
  s.max_block_peg_txs = std::max(s.max_block_peg_txs, peg_txs);
}

stage_figures stage(const std::vector<std::int64_t>& from, const std::vector<std::int64_t>& to, std::uint64_t slot_ms) {
  std::vector<double> ms;
  for (std::size_t i = 0; i < from.size() && i < to.size(); ++i)
    if (from[i] != 0 && to[i] != 0)
      ms.push_back(static_cast<double>(to[i] - from[i]) / 1e6);
  stage_figures f;
  f.count = ms.size();
  f.ms = summarize(std::move(ms));
  f.p50_slots = f.ms.p50_ms / static_cast<double>(slot_ms);
  f.p99_slots = f.ms.p99_ms / static_cast<double>(slot_ms);
  return f;
}

std::size_t expected_sends(const submissions& subs, std::size_t accounts) {
  // A refused send strands its sender's later nonces: they can never become final.
  const std::size_t n = subs.accepted.size();
  std::size_t exp = 0;
  for (std::size_t a = 0; a < accounts; ++a)
    for (std::size_t i = a; i < n && subs.accepted[i]; i += accounts)
      ++exp;
  return exp;
}

void print_progress(const peg_bench_options& o, double seconds, const submissions& subs, const peg_stamps& st) {
  const std::size_t n = st.send_final.size();
  std::size_t sent_final = 0, received = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sent_final += st.send_final[i] != 0;
    received += st.recv_final[i] != 0;
  }
  fmt::print(stderr, "peg: {:5.1f} s  submitted {}/{}  send final {}  received {}  acknowledged {}{}\n", seconds,
             subs.sent.load(), n, sent_final, received, st.acked,
             o.return_trip ? fmt::format("  returns {}/{} acknowledged", st.ret_acked, st.ret_submitted) : "");
}

bool all_acknowledged(const peg_bench_options& o, const submissions& subs, const peg_stamps& st, std::size_t expected) {
  const std::size_t n = subs.accepted.size();
  const bool out_done = st.acked >= expected;
  // Every account's returns are in (or can never be: refused, or its next send never went).
  auto returns_done = [&] {
    for (std::size_t a = 0; a < o.accounts; ++a) {
      const auto i = a + st.next_return[a] * o.accounts;
      if (!st.stranded[a] && i < n && subs.accepted[i])
        return false;
    }
    return st.ret_acked >= st.ret_accepted;
  };
  const bool back_done = !o.return_trip || (out_done && returns_done());
  return out_done && back_done;
}

peg_run::peg_run(const peg_bench_options& options) : o(options), subs(options.messages), st(options.messages) {
  st.next_return.assign(o.accounts, 0);
  st.stranded.assign(o.accounts, 0);
}

std::size_t peg_run::submission_done() {
  const std::size_t exp = expected_sends(subs, o.accounts);
  expected = exp;
  deadline = now_ns() + static_cast<std::int64_t>(o.timeout_s * 1e9);
  submitted = true;
  return exp;
}

bool peg_run::poll_done() {
  const auto now = now_ns();
  if (o.progress && now >= next_progress_ns_) {
    next_progress_ns_ = now + 2'000'000'000;
    print_progress(o, seconds_between(start_ns_, now), subs, st);
  }
  return submitted.load() && (all_acknowledged(o, subs, st, expected.load()) || now >= deadline.load());
}

void fill_figures(peg_bench_report& rep, const submissions& subs, const peg_stamps& st, std::size_t exp) {
  rep.submitted = subs.sent.load();
  rep.accepted = subs.admitted.load();
  rep.refused = subs.refused;
  rep.expected = exp;
  rep.send_final = stage(subs.submit_ns, st.send_final, rep.options.slot_ms);
  rep.receive_final = stage(subs.submit_ns, st.recv_final, rep.options.slot_ms);
  rep.ack_final = stage(subs.submit_ns, st.ack_final, rep.options.slot_ms);
  rep.complete = st.acked >= exp;
  if (st.acked > 0 && st.last_ack_ns > subs.first_ns) {
    rep.seconds = seconds_between(subs.first_ns, st.last_ack_ns);
    rep.messages_per_second = static_cast<double>(st.acked) / rep.seconds;
  }
  rep.return_submitted = st.ret_submitted;
  rep.return_accepted = st.ret_accepted;
  rep.return_refused = st.ret_refused;
  rep.return_ack_final = stage(subs.submit_ns, st.ret_ack_final, rep.options.slot_ms);
  if (rep.options.return_trip) {
    rep.complete = rep.complete && st.ret_acked >= st.ret_accepted;
    if (st.ret_acked > 0 && st.last_ret_ack_ns > subs.first_ns)
      rep.round_trips_per_second = static_cast<double>(st.ret_acked) / seconds_between(subs.first_ns, st.last_ret_ack_ns);
  }
  rep.mainchain_blocks = st.main_blocks;
  rep.sidechain_blocks = st.side_blocks;
  rep.max_block_peg_txs = st.max_block_peg_txs;
}

} // namespace bfd::bench::detail
