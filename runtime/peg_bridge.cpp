#include "runtime/peg_bridge.hpp"

#include <algorithm>
#include <set>

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
// A progress file whose cursor only moved over empty blocks is written again after this many.
constexpr std::uint64_t resave_after_empty = 64;
// Passes a client update waits for the direction's deliveries not final yet.
constexpr std::uint32_t max_update_waits = 12;

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

// One transaction through the batch path (refunds and their client updates): the submitter
// tracks every transaction of this key, so the carries' nonces never collide with it.
status peg_bridge::submit(chain_id chain, tx_payload payload) {
  const auto* unit = handles(chain);
  if (!unit)
    return make_error(errc::unknown_chain, "chain " + std::to_string(chain) + " is not hosted here");
  if (auto v = submitter_.refresh(chain, unit->chain, unit->mempool); !v)
    return v.error();
  std::vector<tx_payload> one;
  one.push_back(std::move(payload));
  auto r = submitter_.submit_batch(chain, unit->mempool, std::move(one));
  if (!r)
    return r.error();
  return r->front().outcome;
}

result<std::optional<tx_payload>> peg_bridge::client_update_for(chain_id side, std::optional<block_header>& header,
                                                                std::optional<finality_certificate>& cert) {
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
  header = p->header;
  cert = p->certificate;
  if (client_height_[side] >= p->header.height)
    return std::optional<tx_payload>{};
  return std::optional<tx_payload>{peg_client_update_tx{std::make_shared<const sidechain_anchor_payload>(std::move(*p))}};
}

status peg_bridge::update_client(chain_id side, std::uint64_t needed, bridge_report& out) {
  if (client_height_[side] >= needed)
    return {};
  std::optional<block_header> header;
  std::optional<finality_certificate> cert;
  auto update = client_update_for(side, header, cert);
  if (!update)
    return update.error();
  if (!*update)
    return {};
  auto st = submit(side, std::move(**update));
  if (!st && !settled(st.error().code) && st.error().code != errc::stale)
    return st;
  client_height_[side] = header->height;
  ++out.client_updates;
  return {};
}

void peg_bridge::stall(direction& dir, chain_id from, chain_id to, const std::string& why) {
  if (options_.log && dir.stalls % 20 == 0)
    options_.log->info("peg bridge: {}->{} not carried this pass: {}", from, to, why);
  ++dir.stalls;
}

bool peg_bridge::settled_on(chain_id to, const peg::message_id& id, bool msg) {
  const auto* dest = handles(to);
  if (!dest)
    return false;
  caf::scoped_actor self{system_};
  std::optional<peg_message_view> v;
  self->request(dest->chain, query_timeout, pegmsg_atom::value, std::uint32_t{id.source}, id.sequence)
    .receive([&](peg_message_view& x) { v = std::move(x); }, [&](const caf::error&) {});
  if (!v || v->code != 0)
    return false;
  // A message is settled once received; an acknowledgement once its message left in_flight.
  return msg ? v->received : v->sent && v->state != static_cast<std::uint8_t>(peg::message_state::in_flight);
}

std::optional<std::size_t> peg_bridge::follow(direction& dir, chain_id from, chain_id to, bridge_report& out) {
  const auto* dest = handles(to);
  auto view = submitter_.refresh(to, dest->chain, dest->mempool);
  if (!view) {
    count_answer(dir, from, to, view.error());
    return std::nullopt;
  }
  std::size_t pending = view->pending.size();  // every transaction of this key, client updates too
  for (auto i = dir.outstanding.begin(); i != dir.outstanding.end();) {
    auto& d = i->second;
    if (view->pending.count(d.tx)) {
      ++i;
      continue;
    }
    std::string why;
    if (auto g = view->gone.find(d.tx); g != view->gone.end() && g->second.state == static_cast<std::uint8_t>(tx_state::rejected)) {
      if (settled(static_cast<errc>(g->second.code))) {
        i = dir.outstanding.erase(i);  // refused in a block as already done: settled
        continue;
      }
      why = fmt::format("refused in a block: {}", g->second.detail);
    } else {
      // Out of the mempool: in a block, or dropped. Its effect in the destination's final state
      // settles it (a query of the final peg state, not of the block); once the final height
      // reached the head it left at without that effect, it was dropped.
      if (d.left_head == 0)
        d.left_head = std::max<std::uint64_t>(view->head_height, 1);
      if (settled_on(to, d.id, d.message)) {
        i = dir.outstanding.erase(i);
        continue;
      }
      if (view->final_height < d.left_head) {
        ++i;  // in a block, not final yet
        continue;
      }
      why = "left the mempool, and its effect is not in the final state (expired or dropped)";
    }
    if (options_.log)
      options_.log->info("peg bridge: {}->{} {} ({}): {}; carrying it again", from, to, id_text(d.id),
                         d.message ? "message" : "acknowledgement", why);
    dir.retry.emplace(i->first, why);
    i = dir.outstanding.erase(i);
  }
  (void) out;
  return pending;
}

void peg_bridge::carry(chain_id from, chain_id to, bridge_report& out) {
  auto& dir = directions_[{from, to}];
  const auto* src = handles(from);
  const auto* dst = handles(to);
  if (!src || !dst)
    return stall(dir, from, to, "a chain of the pair is not hosted here");
  // 1. Follow what was submitted; the budget is what the destination's mempool can still take.
  auto pending = follow(dir, from, to, out);
  if (!pending)
    return stall(dir, from, to, fmt::format("chain {} does not answer", to));
  if (*pending >= options_.max_pending)
    return stall(dir, from, to, fmt::format("{} transactions of the bridge pending on chain {} (at most {})",
                                            *pending, to, options_.max_pending));
  std::size_t budget = options_.max_pending - *pending;
  // 2. The top every bundle links up to: on a sidechain destination the mainchain's final header,
  // which the client update in front of the batch makes the client's latest; else the source's
  // final header (the destination's client of it follows the watcher's anchors).
  std::vector<tx_payload> batch;
  std::optional<block_header> top_header;
  std::optional<finality_certificate> cert;
  std::optional<tx_payload> client_update;  // sent only in front of deliveries
  caf::scoped_actor self{system_};
  // The destination's head, asked once a pass and only when a message is to be carried: a message
  // too close to its timeout there is not carried (peg::worth_carrying; issue 17, peg_crash seed
  // 713776815 stranded an acknowledgement behind such a receive's unused nonce).
  std::optional<std::uint64_t> dest_head;
  bool asked_head = false;
  const auto destination_head = [&]() -> std::optional<std::uint64_t> {
    if (!asked_head) {
      asked_head = true;
      self->request(dst->chain, query_timeout, info_atom::value)
        .receive([&](const chain_info& i) { dest_head = i.head_height; }, [&](const caf::error&) {});
    }
    return dest_head;
  };
  if (to != mainchain_id) {
    auto update = client_update_for(to, top_header, cert);
    if (!update)
      return stall(dir, from, to, fmt::format("no client update for chain {}: {}", to, update.error().detail));
    if (*update) {
      // Moving the client past the header our pending deliveries link up to makes them stale
      // when they are included after it: wait until they are final, for a bounded number of
      // passes (they may wait on a nonce gap only a new batch fills). Carrying each again with a
      // new update, two deliveries in alternate passes made each other stale for good (issue
      // 17); waiting only until they left the mempool was not enough, since a block holding one
      // can lose a fork and the delivery land again after the new update.
      const auto unsettled = dir.outstanding.size();
      if (unsettled > 0 && dir.update_waits < max_update_waits) {
        ++dir.update_waits;
        return stall(dir, from, to, fmt::format("{} deliveries pending on chain {}: its light client moves "
                                                "once they are final", unsettled, to));
      }
      dir.update_waits = 0;
      client_update = std::move(**update);
      --budget;
    }
  } else {
    self->request(src->chain, query_timeout, cert_atom::value)
      .receive([&](const certificate_envelope& c) {
        if (c)
          cert = *c;
      }, [&](const caf::error&) {});
    if (!cert || !cert->proves_final())
      return stall(dir, from, to, fmt::format("chain {} has no final certificate yet", from));
  }
  const auto final_height = cert->source_height;
  // 3. The entries to carry: those to carry again first, then the new ones from the cursor.
  // Far behind (a long downtime), nothing below the last few thousand blocks can be proven any
  // more (max_header_links): skipped with a warning, their messages time out and are refunded.
  constexpr std::uint64_t max_behind = max_headers_per_request * 4;
  if (final_height > max_behind && dir.scanned + 1 < final_height - max_behind) {
    note(fmt::format("{}->{}: blocks {} to {} are more than {} headers below the final {}; their entries are not "
                     "carried (they time out and are refunded)",
                     from, to, dir.scanned + 1, final_height - max_behind, peg::max_header_links, final_height), out);
    dir.scanned = final_height - max_behind;
    dir.next_entry = 0;
  }
  std::erase_if(dir.retry, [&](const auto& kv) { return kv.first.first + max_behind < final_height; });
  const auto cursor_height = dir.scanned + 1;
  std::uint64_t first = cursor_height;
  if (!dir.retry.empty())
    first = std::min(first, dir.retry.begin()->first.first);
  if (first > final_height)
    return;  // nothing new is final
  const auto last = std::min(final_height, cursor_height + max_scan_per_pass - 1);
  std::vector<block_header> headers;  // first .. final_height
  {
    for (auto h = first; h <= final_height;) {
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
    const auto top_hash = top_header ? header_hash(*top_header) : cert->source;
    if (headers.size() != final_height - first + 1 || header_hash(headers.back()) != top_hash)
      return stall(dir, from, to, fmt::format("chain {}'s headers {} to {} do not end at its certified final block "
                                              "(read {}; a reorganisation or a race): next pass",
                                              from, first, final_height, headers.size()));
  }
  struct item {
    entry_pos pos;
    std::string what;
    peg::message_id id;
    bool message;
  };
  std::vector<item> items;
  const auto add_block = [&](std::uint64_t h, bool fresh_from_cursor) -> bool {
    // false: stop (budget spent, or the block must be read again next pass)
    const auto& header = headers[h - first];
    if (header.outbox_root == peg::empty_outbox_root()) {
      // Nothing to carry: the cursor passes it (else a run of more than max_scan_per_pass empty
      // blocks would hold the cursor below every later entry for good).
      if (fresh_from_cursor) {
        dir.scanned = h;
        dir.next_entry = 0;
      }
      return true;
    }
    peg_outbox_reply reply;
    self->request(src->chain, query_timeout, pegout_atom::value, h)
      .receive([&](peg_outbox_reply& r) { reply = std::move(r); },
               [&](const caf::error& e) { reply.code = static_cast<std::uint16_t>(errc::io); reply.detail = system_.render(e); });
    if (fresh_from_cursor)
      dir.last_entries_block = std::max(dir.last_entries_block, h);
    std::vector<peg::outbox_entry> entries;
    peg::outbox box;
    bool usable = reply.code == 0 && reply.block == header_hash(header);
    for (std::size_t i = 0; usable && i < reply.entries.size(); ++i) {
      if (i < reply.kinds.size() && reply.kinds[i] == 1) {
        auto a = codec::decode_peg_ack(reply.entries[i]);
        if (!a) {
          reply.detail = "bad acknowledgement: " + a.error().detail;
          usable = false;
          break;
        }
        entries.emplace_back(*a);
      } else {
        auto m = codec::decode_peg_message(reply.entries[i]);
        if (!m) {
          reply.detail = "bad message: " + m.error().detail;
          usable = false;
          break;
        }
        entries.emplace_back(*m);
      }
      box.add(entries.back());
    }
    if (usable && box.root() != header.outbox_root) {
      reply.detail = "the kept outbox does not give the header's root";
      usable = false;
    }
    std::vector<merkle_proof> proofs;  // built on the first entry that needs one
    if (!usable) {
      note(fmt::format("chain {} block {}: outbox not available ({}); its entries are not carried", from, h,
                       reply.code ? reply.detail : reply.detail.empty() ? "block changed" : reply.detail), out);
      for (auto i = dir.retry.lower_bound({h, 0}); i != dir.retry.end() && i->first.first == h;)
        i = dir.retry.erase(i);
      if (fresh_from_cursor) {
        dir.scanned = h;
        dir.next_entry = 0;
      }
      return true;
    }
    const std::uint32_t from_index = fresh_from_cursor && h == cursor_height ? dir.next_entry : 0;
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      const entry_pos pos{h, i};
      const bool is_retry = dir.retry.count(pos) > 0;
      const bool is_new = fresh_from_cursor && i >= from_index;
      if (!is_retry && !is_new)
        continue;
      const auto* msg = std::get_if<peg::peg_message>(&entries[i]);
      const auto* ack = std::get_if<peg::peg_ack>(&entries[i]);
      const chain_id dest = msg ? msg->destination : ack->id.source;
      const auto id = msg ? msg->id : ack->id;
      const auto what = fmt::format("{} {}->{} {}", id_text(id), from, to, msg ? "message" : "acknowledgement");
      const auto done_with = [&] {
        dir.retry.erase(pos);
        dir.attempts.erase(pos);
        if (is_new) {
          dir.scanned = h - 1;
          dir.next_entry = i + 1;
        }
      };
      if (dest != to) {
        done_with();
        continue;
      }
      if (budget == 0)
        return false;
      if (settled_on(to, id, msg != nullptr)) {
        out.carried.push_back(what);  // already there (a restart or another bridge)
        done_with();
        continue;
      }
      if (msg) {
        const auto head = destination_head();
        if (!head) {
          dir.retry.emplace(pos, "the destination's height is unknown");  // asked again next pass
          continue;
        }
        if (!peg::worth_carrying(msg->timeout_height, *head)) {
          note(fmt::format("{}: chain {} is at height {}, too close to its timeout height {}; not carried (it times "
                           "out and is refunded)", what, to, *head, msg->timeout_height), out);
          done_with();
          continue;
        }
      }
      if (final_height - h > peg::max_header_links) {
        note(fmt::format("{} in block {} of chain {}: more than {} headers below the final one; not carried "
                         "(it times out and is refunded)", id_text(id), h, from, peg::max_header_links), out);
        if (options_.log)
          options_.log->error("peg bridge: {} cannot be proven any more", what);
        done_with();
        continue;
      }
      auto b = std::make_shared<peg::delivery_bundle>();
      b->entry = entries[i];
      if (proofs.empty())
        proofs = box.prove_all();
      b->inclusion = proofs[i];
      b->header = header;
      b->links.assign(headers.begin() + static_cast<std::ptrdiff_t>(h - first + 1), headers.end());
      b->certificate = *cert;
      std::shared_ptr<const peg::delivery_bundle> body = std::move(b);
      if (msg)
        batch.push_back(peg_receive_tx{body});
      else
        batch.push_back(peg_acknowledge_tx{body});
      items.push_back({pos, what, id, msg != nullptr});
      done_with();
      dir.retry.erase(pos);
      --budget;
    }
    if (fresh_from_cursor) {
      dir.scanned = h;
      dir.next_entry = 0;
    }
    return true;
  };
  // Retries below the cursor, block by block, then the cursor's blocks.
  std::set<std::uint64_t> retry_blocks;
  for (const auto& [pos, why] : dir.retry)
    if (pos.first < cursor_height)
      retry_blocks.insert(pos.first);
  bool more = true;
  for (auto h : retry_blocks)
    if (h >= first && !(more = add_block(h, false)))
      break;
  for (auto h = cursor_height; more && h <= last; ++h)
    if (!(more = add_block(h, true)))
      break;
  if (batch.empty())
    return;
  // 4. One batch, in order: the client update first, then the bundles.
  std::optional<std::uint64_t> client_to;
  if (client_update) {
    batch.insert(batch.begin(), std::move(*client_update));
    client_to = top_header->height;
  }
  auto results = submitter_.submit_batch(to, dst->mempool, std::move(batch));
  if (!results) {
    count_answer(dir, from, to, results.error());
    for (const auto& it : items)
      dir.retry.emplace(it.pos, results.error().detail);
    return;
  }
  std::size_t k = 0;
  bool down = false;
  if (client_to) {
    const auto& r = (*results)[k++];
    if (r.outcome || settled(r.outcome.error().code) || r.outcome.error().code == errc::stale) {
      client_height_[to] = *client_to;
      ++out.client_updates;
    } else {
      note(fmt::format("light client update of chain {}: {}", to, r.outcome.error().detail), out);
    }
  }
  std::size_t admitted = 0;
  for (const auto& it : items) {
    const auto& r = (*results)[k++];
    if (r.outcome) {
      dir.outstanding[it.pos] = direction::delivery{r.id, it.id, it.message, 0};
      out.carried.push_back(it.what);
      ++admitted;
      if (options_.log)
        options_.log->info("peg bridge: carried {} (block {}, final {})", it.what, it.pos.first, final_height);
      continue;
    }
    const auto code = r.outcome.error().code;
    if (settled(code)) {
      out.carried.push_back(it.what);
      continue;
    }
    const auto& detail = r.outcome.error().detail;
    if (unavailable(code) || code == errc::replacement_underpriced || code == errc::nonce_reused) {
      // The mempool is full or holds our earlier transactions at these nonces (a restart):
      // carried again next pass, without counting against the entry.
      down = down || unavailable(code);
      dir.retry.emplace(it.pos, detail);
      continue;
    }
    if (++dir.attempts[it.pos] >= options_.max_attempts) {
      note(fmt::format("gave up carrying {}: {}", it.what, detail), out);
      dir.attempts.erase(it.pos);
      continue;
    }
    out.problems.push_back(it.what + ": " + detail);  // carried again next pass
    dir.retry.emplace(it.pos, detail);
  }
  if (down)
    count_answer(dir, from, to, make_error(errc::mempool_full, fmt::format("the mempool of chain {} is full", to)));
  else
    count_answer(dir, from, to, status{});
  dir.stalls = 0;
  if (options_.log && admitted > 1)
    options_.log->info("peg bridge: {} entries submitted {}->{} in one batch ({} pending before)", admitted, from,
                       to, *pending);
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
  // Per direction the first entry not settled: submitted deliveries not final yet and entries
  // to carry again come before the cursor; a restart carries them again (duplicates are found
  // settled on the destination first).
  for (const auto& [k, d] : directions_) {
    entry_pos resume{d.scanned + 1, d.next_entry};
    if (!d.outstanding.empty())
      resume = std::min(resume, d.outstanding.begin()->first);
    if (!d.retry.empty())
      resume = std::min(resume, d.retry.begin()->first);
    if (resume.first > 1 || resume.second > 0) {
      p.scanned[k] = resume.first - 1;
      if (resume.second > 0)
        p.entries[k] = resume.second;
    }
  }
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
    for (const auto& [k, h] : loaded_->scanned) {
      directions_[k].scanned = h;
      if (auto e = loaded_->entries.find(k); e != loaded_->entries.end())
        directions_[k].next_entry = e->second;
    }
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
  // A cursor that only passed empty blocks since the save is written again only every
  // resave_after_empty blocks (each write is two fsyncs; a restart rescans at most that many
  // empty blocks, which costs nothing but reading their headers).
  auto compared = p;
  if (saved_) {
    for (auto& [k, h] : compared.scanned) {
      auto s = saved_->scanned.find(k);
      auto d = directions_.find(k);
      if (s != saved_->scanned.end() && d != directions_.end() && h > s->second && h - s->second < resave_after_empty
          && d->second.last_entries_block <= s->second && !compared.entries.count(k) && !saved_->entries.count(k))
        h = s->second;
    }
  }
  if (saved_ && *saved_ == compared)
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
