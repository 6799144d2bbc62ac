#include "runtime/peg_bridge.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>

#include "chains/codec/block_codec.hpp"
#include "chains/core/hex.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd::runtime {

namespace {
constexpr auto query_timeout = std::chrono::seconds(10);
// Blocks one pass scans per direction (a bridge far behind catches up over several passes).
constexpr std::uint64_t max_scan_per_pass = 256;

// Refusals that mean the entry already took effect, or never can: nothing left to carry.
bool settled(errc code) {
  return code == errc::duplicate || code == errc::wrong_status || code == errc::expired;
}

// Refusals that mean the destination is down or overloaded, not that the entry is wrong: back off.
bool unavailable(errc code) {
  return code == errc::io || code == errc::storage_io || code == errc::mempool_full;
}

std::string id_text(const peg::message_id& id) {
  return fmt::format("{}:{}", id.source, id.sequence);
}

// A timeout sent to a source is not sent again until the source's final height moved this far
// past the height it had then (the first one is pending in a block, or was dropped).
constexpr std::uint64_t refund_resend_after = 8;
// Pages of in-flight messages one refund pass reads per direction.
constexpr int max_in_flight_pages = 16;

} // namespace

peg_bridge::peg_bridge(caf::actor_system& system, node& n, peg_bridge_options options)
  : system_(system), directory_(n.directory()), options_(std::move(options)), submitter_(system, options_.keys) {
  if (options_.progress_file.empty())
    return;
  auto p = read_bridge_progress(options_.progress_file);
  if (!p) {
    if (p.error().code != errc::not_found)
      startup_problem_ = fmt::format("progress file unusable ({}): starting from height 1", p.error().detail);
    return;
  }
  if (p->sidechain != options_.sidechain) {
    startup_problem_ = fmt::format("progress file {} is of another chain pair (sidechain {}, this bridge {}): "
                                   "starting from height 1",
                                   options_.progress_file.string(),
                                   p->sidechain ? std::to_string(*p->sidechain) : "all",
                                   options_.sidechain ? std::to_string(*options_.sidechain) : "all");
    return;
  }
  loaded_ = std::move(*p);
}

peg_bridge::~peg_bridge() {
  stop();
}

void peg_bridge::note(const std::string& problem, bridge_report& out) {
  out.problems.push_back(problem);
  if (options_.log && reported_.insert(problem).second)
    options_.log->warn("peg bridge: {}", problem);
}

bool peg_bridge::has_peg(chain_id id) {
  if (auto i = pegged_.find(id); i != pegged_.end())
    return i->second;
  const auto* unit = handles(id);
  if (!unit)
    return false;
  caf::scoped_actor self{system_};
  std::optional<bool> yes;
  self->request(unit->chain, query_timeout, pegmsg_atom::value, std::uint32_t{0}, std::uint64_t{0})
    .receive([&](const peg_message_view& v) { yes = v.code == 0; }, [&](const caf::error&) {});
  if (yes)
    pegged_[id] = *yes;  // a chain's modules never change: asked once
  return yes.value_or(false);
}

status peg_bridge::submit(chain_id chain, tx_payload payload) {
  const auto* unit = handles(chain);
  if (!unit)
    return make_error(errc::unknown_chain, "chain " + std::to_string(chain) + " is not hosted here");
  return submitter_.submit(chain, unit->chain, unit->mempool, std::move(payload));
}

status peg_bridge::update_client(chain_id side, std::uint64_t needed, bridge_report& out) {
  if (client_height_[side] >= needed)
    return {};
  const auto* main = handles(mainchain_id);
  if (!main)
    return make_error(errc::unknown_chain, "the mainchain is not hosted here");
  caf::scoped_actor self{system_};
  bytes raw;
  self->request(main->chain, query_timeout, pegfinal_atom::value)
    .receive([&](bytes& b) { raw = std::move(b); }, [&](const caf::error&) {});
  if (raw.empty())
    return make_error(errc::not_found, "the mainchain has no final certificate yet");
  auto p = codec::decode_sidechain_anchor(raw);
  if (!p)
    return p.error();
  const auto height = p->header.height;
  auto st = submit(side, peg_client_update_tx{std::make_shared<const sidechain_anchor_payload>(std::move(*p))});
  if (!st && !settled(st.error().code) && st.error().code != errc::stale)
    return st;
  client_height_[side] = height;
  ++out.client_updates;
  return {};
}

void peg_bridge::carry(chain_id from, chain_id to, bridge_report& out) {
  auto& dir = directions_[{from, to}];
  const auto* src = handles(from);
  if (!src)
    return;
  caf::scoped_actor self{system_};
  std::optional<finality_certificate> cert;
  self->request(src->chain, query_timeout, cert_atom::value)
    .receive([&](const certificate_envelope& c) {
      if (c)
        cert = *c;
    }, [&](const caf::error&) {});
  if (!cert || !cert->proves_final())
    return;
  const auto final_height = cert->source_height;
  if (final_height <= dir.scanned)
    return;
  const auto first = dir.scanned + 1;
  const auto last = std::min(final_height, first + max_scan_per_pass - 1);
  // Headers first..final_height: every bundle links its header up to the certified final one.
  std::vector<block_header> headers;
  for (auto h = first; h <= final_height && headers.size() < final_height - first + 1;) {
    header_range range;
    self->request(src->chain, query_timeout, headers_atom::value, h, final_height)
      .receive([&](header_range& r) { range = std::move(r); }, [&](const caf::error&) {});
    if (range.headers.empty())
      break;
    for (const auto& raw : range.headers) {
      auto hd = codec::decode_block_header(raw);
      if (!hd)
        return note(fmt::format("chain {}: undecodable header {}: {}", from, h, hd.error().detail), out);
      headers.push_back(*hd);
    }
    h = first + headers.size();
  }
  if (headers.size() != final_height - first + 1 || header_hash(headers.back()) != cert->source)
    return;  // a new final block raced the reads: next pass
  for (auto h = first; h <= last; ++h) {
    const auto& header = headers[h - first];
    if (header.outbox_root == peg::empty_outbox_root()) {
      dir.scanned = h;
      continue;
    }
    peg_outbox_reply reply;
    self->request(src->chain, query_timeout, pegout_atom::value, h)
      .receive([&](peg_outbox_reply& r) { reply = std::move(r); },
               [&](const caf::error& e) { reply.code = static_cast<std::uint16_t>(errc::io); reply.detail = system_.render(e); });
    if (reply.code != 0 || reply.block != header_hash(header)) {
      note(fmt::format("chain {} block {}: outbox not available ({}); its entries are not carried", from, h,
                       reply.code ? reply.detail : "block changed"), out);
      dir.scanned = h;
      continue;
    }
    peg::outbox box;
    std::vector<peg::outbox_entry> entries;
    for (std::size_t i = 0; i < reply.entries.size(); ++i) {
      if (reply.kinds.at(i) == 1) {
        auto a = codec::decode_peg_ack(reply.entries[i]);
        if (!a)
          return note(fmt::format("chain {} block {}: bad ack: {}", from, h, a.error().detail), out);
        entries.emplace_back(*a);
      } else {
        auto m = codec::decode_peg_message(reply.entries[i]);
        if (!m)
          return note(fmt::format("chain {} block {}: bad message: {}", from, h, m.error().detail), out);
        entries.emplace_back(*m);
      }
      box.add(entries.back());
    }
    if (box.root() != header.outbox_root) {
      note(fmt::format("chain {} block {}: kept outbox does not give the header's root", from, h), out);
      dir.scanned = h;
      continue;
    }
    bool failed = false;
    for (std::size_t i = 0; i < entries.size() && !failed; ++i) {
      const auto* msg = std::get_if<peg::peg_message>(&entries[i]);
      const auto* ack = std::get_if<peg::peg_ack>(&entries[i]);
      const chain_id dest = msg ? msg->destination : ack->id.source;
      if (dest != to)
        continue;
      const auto id = msg ? msg->id : ack->id;
      if (final_height - h > peg::max_header_links) {
        note(fmt::format("{} in block {} of chain {}: more than {} headers below the final one; not carried",
                         id_text(id), h, from, peg::max_header_links), out);
        continue;
      }
      if (to != mainchain_id)
        if (auto st = update_client(to, final_height, out); !st) {
          if (!count_answer(dir, from, to, st))
            return;
          note(fmt::format("light client update of chain {}: {}", to, st.error().detail), out);
          failed = true;
          break;
        }
      auto b = std::make_shared<peg::delivery_bundle>();
      b->entry = entries[i];
      b->inclusion = *box.prove(i);
      b->header = header;
      b->links.assign(headers.begin() + static_cast<std::ptrdiff_t>(h - first + 1), headers.end());
      b->certificate = *cert;
      std::shared_ptr<const peg::delivery_bundle> body = std::move(b);
      auto st = msg ? submit(to, peg_receive_tx{body}) : submit(to, peg_acknowledge_tx{body});
      const auto what = fmt::format("{} {}->{} {}", id_text(id), from, to, msg ? "message" : "acknowledgement");
      if (!count_answer(dir, from, to, st))
        return;  // the destination is down: this block again once the back-off allows
      if (st || settled(st.error().code)) {
        out.carried.push_back(what);
        if (st && options_.log)
          options_.log->info("peg bridge: carried {} (block {}, final {})", what, h, final_height);
        continue;
      }
      failed = true;
      if (++dir.attempts >= options_.max_attempts) {
        note(fmt::format("gave up carrying {}: {}", what, st.error().detail), out);
        failed = false;  // skip this block from now on
        break;
      }
      out.problems.push_back(what + ": " + st.error().detail);  // retried next pass
    }
    if (failed)
      return;
    dir.scanned = h;
    dir.attempts = 0;
  }
}

bool peg_bridge::count_answer(direction& dir, chain_id from, chain_id to, const status& st) {
  if (!st && unavailable(st.error().code)) {
    const bool started = dir.wait.fail(backoff::clock::now());
    if (started && options_.log)
      options_.log->warn("peg bridge: chain {} does not answer ({}); backing off {}->{} (next try in {} ms, "
                         "doubling up to {} ms)",
                         to, st.error().detail, from, to, dir.wait.delay().count(), options_.backoff_max.count());
    return false;
  }
  if (dir.wait.succeed() && options_.log)
    options_.log->info("peg bridge: chain {} answers again; {}->{} resumes", to, from, to);
  return true;
}

bool peg_bridge::ready(direction& dir) {
  auto base = options_.backoff_base;
  if (base.count() <= 0)
    base = interval_.count() > 0 ? interval_ : std::chrono::milliseconds(1000);
  dir.wait.set_bounds(base, options_.backoff_max);
  return dir.wait.ready(backoff::clock::now());
}

// Messages `to` sent to `proof_from` that `proof_from` did not receive by their timeout: their
// timeout bundles from proof_from's final state go to `to` as peg_timeout (refunds).
void peg_bridge::refund(chain_id proof_from, chain_id to, bridge_report& out) {
  auto& dir = directions_[{proof_from, to}];
  const auto* dest = handles(proof_from);
  const auto* src = handles(to);
  if (!dest || !src)
    return;
  caf::scoped_actor self{system_};
  std::optional<std::uint64_t> dest_final;
  self->request(dest->chain, query_timeout, cert_atom::value)
    .receive([&](const certificate_envelope& c) {
      if (c && c->proves_final())
        dest_final = c->source_height;
    }, [&](const caf::error&) {});
  if (!dest_final)
    return;
  // The source's messages to proof_from whose timeout height its final height has reached.
  std::vector<std::uint64_t> due;
  std::uint64_t source_final = 0;
  std::uint64_t first = 0;
  for (int page = 0; page < max_in_flight_pages; ++page) {
    std::optional<peg_in_flight_reply> r;
    self->request(src->chain, query_timeout, pegfly_atom::value, std::uint32_t{proof_from}, first, *dest_final)
      .receive([&](peg_in_flight_reply& x) { r = std::move(x); }, [&](const caf::error&) {});
    if (!r) {
      count_answer(dir, proof_from, to, make_error(errc::io, fmt::format("chain {} did not answer", to)));
      return;
    }
    if (r->code != 0)
      return;
    source_final = r->final_height;
    due.insert(due.end(), r->sequences.begin(), r->sequences.end());
    if (!r->more || r->sequences.empty())
      break;
    first = r->sequences.back() + 1;
  }
  // Refunds no longer due are settled (or their message was acknowledged): forget them.
  std::erase_if(dir.refunds_sent, [&](const auto& kv) {
    return !std::binary_search(due.begin(), due.end(), kv.first.sequence);
  });
  for (const auto sequence : due) {
    const peg::message_id id{to, sequence};
    if (auto i = dir.refunds_sent.find(id); i != dir.refunds_sent.end() && source_final < i->second + refund_resend_after)
      continue;
    // On a sidechain the module's own client of the mainchain verifies: bring it up to the
    // mainchain's final header first (the bundle read next is at or above it).
    if (to != mainchain_id)
      if (auto st = update_client(to, *dest_final, out); !st) {
        if (!count_answer(dir, proof_from, to, st))
          return;
        note(fmt::format("light client update of chain {}: {}", to, st.error().detail), out);
        return;
      }
    std::optional<peg_timeout_reply> t;
    self->request(dest->chain, query_timeout, pegtmo_atom::value, std::uint32_t{to}, sequence)
      .receive([&](peg_timeout_reply& x) { t = std::move(x); }, [&](const caf::error&) {});
    if (!t)
      return;
    if (t->code == static_cast<std::uint16_t>(errc::duplicate))
      continue;  // received after all: its acknowledgement settles it
    if (t->code != 0) {
      out.problems.push_back(fmt::format("timeout of {} from chain {}: {}", id_text(id), proof_from, t->detail));
      continue;
    }
    auto bundle = codec::decode_timeout_bundle(t->bundle);
    if (!bundle) {
      note(fmt::format("timeout of {} from chain {}: {}", id_text(id), proof_from, bundle.error().detail), out);
      continue;
    }
    auto st = submit(to, peg_timeout_tx{std::make_shared<const peg::timeout_bundle>(std::move(*bundle))});
    if (!count_answer(dir, proof_from, to, st))
      return;
    const auto what = fmt::format("{} {}->{} timeout", id_text(id), proof_from, to);
    if (st || settled(st.error().code)) {
      dir.refunds_sent[id] = source_final;
      out.carried.push_back(what);
      if (st && options_.log)
        options_.log->info("peg bridge: carried {} (final {} of chain {}): refund", what, t->final_height, proof_from);
      continue;
    }
    // stale: the source's client moved past this final header meanwhile; the next pass reads a newer one.
    out.problems.push_back(what + ": " + st.error().detail);
  }
}

bridge_progress peg_bridge::progress() const {
  bridge_progress p;
  p.mainchain_genesis = mainchain_genesis_.value_or(hash256{});
  p.sidechain = options_.sidechain;
  for (const auto& [k, d] : directions_)
    if (d.scanned > 0)
      p.scanned[k] = d.scanned;
  for (const auto& [c, h] : client_height_)
    if (h > 0)
      p.client_heights[c] = h;
  return p;
}

// The first pass that knows the mainchain's genesis takes over the loaded progress, if it is
// this mainchain's; false when the genesis is not known yet.
bool peg_bridge::check_progress_owner(bridge_report& out) {
  if (mainchain_genesis_)
    return true;
  const auto* main = handles(mainchain_id);
  if (!main)
    return false;
  caf::scoped_actor self{system_};
  std::optional<hash256> genesis;
  self->request(main->chain, query_timeout, height_atom::value, std::uint64_t{0})
    .receive([&](const block_envelope& b) {
      if (b)
        genesis = header_hash(b->header);
    }, [&](const caf::error&) {});
  if (!genesis)
    return false;
  mainchain_genesis_ = *genesis;
  if (startup_problem_)
    note(*startup_problem_, out);
  if (loaded_ && loaded_->mainchain_genesis != *genesis) {
    note(fmt::format("progress file {} is of another mainchain (genesis {}, this one {}): starting from height 1",
                     options_.progress_file.string(), to_hex(loaded_->mainchain_genesis), to_hex(*genesis)), out);
    loaded_.reset();
  }
  if (loaded_) {
    for (const auto& [k, h] : loaded_->scanned)
      directions_[k].scanned = h;
    client_height_.insert(loaded_->client_heights.begin(), loaded_->client_heights.end());
    saved_ = loaded_;
    if (options_.log)
      options_.log->info("peg bridge: resuming from {}", options_.progress_file.string());
    loaded_.reset();
  }
  return true;
}

void peg_bridge::save_progress(bridge_report& out) {
  if (options_.progress_file.empty() || !mainchain_genesis_)
    return;
  auto p = progress();
  if (saved_ && *saved_ == p)
    return;
  if (auto st = write_bridge_progress(options_.progress_file, p); !st)
    return note("progress not saved: " + st.error().detail, out);
  saved_ = std::move(p);
}

const chain_handles* peg_bridge::handles(chain_id id) const {
  auto i = handles_.find(id);
  return i == handles_.end() || !i->second.chain || !i->second.mempool ? nullptr : &i->second;
}

bridge_report peg_bridge::poll_once() {
  bridge_report out;
  // The hosted chains from the node's directory (an actor: safe beside the watcher's thread,
  // which adds chains to the node).
  {
    caf::scoped_actor self{system_};
    std::optional<std::vector<chain_handles>> listed;
    self->request(directory_, query_timeout, chains_atom::value)
      .receive([&](std::vector<chain_handles>& v) { listed = std::move(v); }, [&](const caf::error&) {});
    if (!listed) {
      note("the node's directory did not answer", out);
      return out;
    }
    handles_.clear();
    for (auto& h : *listed)
      handles_.emplace(h.id, std::move(h));
  }
  if (!handles(mainchain_id) || !has_peg(mainchain_id) || !check_progress_owner(out))
    return out;
  for (const auto& [id, h] : handles_) {
    if (id == mainchain_id || (options_.sidechain && *options_.sidechain != id) || !has_peg(id))
      continue;
    // Each direction: what goes to its destination (messages, acknowledgements, and the
    // timeouts of the destination's own messages), skipped while it backs off.
    for (const auto& [a, b] : {std::pair{mainchain_id, id}, std::pair{id, mainchain_id}}) {
      auto& dir = directions_[{a, b}];
      if (!ready(dir))
        continue;
      carry(a, b, out);
      if (ready(dir))
        refund(a, b, out);
    }
  }
  save_progress(out);
  return out;
}

void peg_bridge::run(std::chrono::milliseconds interval) {
  interval_ = interval;
  loop_.start(interval, [this] { poll_once(); });
}

void peg_bridge::stop() {
  loop_.stop();
}

} // namespace bfd::runtime
