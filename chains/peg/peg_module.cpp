#include "chains/peg/peg_module.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "chains/state/peg_tx.hpp"

namespace bfd {

namespace {

bytes client_key(chain_id chain) {
  return bytes{'L', static_cast<byte>(chain >> 24), static_cast<byte>(chain >> 16), static_cast<byte>(chain >> 8),
               static_cast<byte>(chain)};
}

const bytes genesis_key{'G'};

void put_be32(bytes& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i)
    out.push_back(static_cast<byte>(v >> (8 * i)));
}

} // namespace

peg_module::peg_module(chain_id self, std::shared_ptr<const peg_genesis> genesis)
  : self_(self), genesis_(genesis ? std::move(genesis) : std::make_shared<const peg_genesis>()), ledger_(self) {
  for (const auto& t : genesis_->counterparties) {
    // A trust point that does not verify leaves the counterparty unknown: its messages are
    // refused (unknown_chain) rather than the chain failing to start.
    auto c = light_client::start(t.header, t.proof);
    if (c && t.chain == t.header.chain && t.chain != self_)
      clients_.emplace(t.chain, client_state{t, std::move(*c), std::nullopt, false});
  }
}

const light_client* peg_module::own_client(chain_id counterparty) const {
  auto i = clients_.find(counterparty);
  return i == clients_.end() ? nullptr : &i->second.client;
}

const light_client* peg_module::client_for(chain_id counterparty, const chain_state* state) const {
  if (state)
    if (const auto* reg = find_registry(*state))
      if (const auto* c = reg->client(counterparty))
        return c;
  return own_client(counterparty);
}

hash256 peg_module::ledger_part() const {
  const auto l = ledger_.ledger_root();
  bytes clients;
  for (const auto& [id, c] : clients_) {
    if (!c.advanced)
      continue;
    put_be32(clients, id);
    const auto h = header_hash(c.client.latest());
    const auto t = header_hash(c.trust.header);
    clients.insert(clients.end(), t.begin(), t.end());
    clients.insert(clients.end(), h.begin(), h.end());
  }
  if (clients.empty())
    return l;
  bytes all(l.begin(), l.end());
  all.insert(all.end(), clients.begin(), clients.end());
  return tagged_hash(hash_tag::peg, all);
}

std::optional<hash256> peg_module::root() const {
  return peg::peg_module_root(ledger_.receipts().root(), ledger_part(), ledger_.next_sequence());
}

status peg_module::counterparty_known(chain_id chain, const block_context& ctx) const {
  if (chain == self_)
    return make_error(errc::invalid_argument, "a chain does not send to itself");
  if (ctx.state)
    if (const auto* reg = find_registry(*ctx.state))
      if (const auto* info = reg->find(chain)) {
        if (info->status != sidechain_status::active)
          return make_error(errc::wrong_status, fmt::format("sidechain {} is not active", chain));
        return {};
      }
  if (clients_.count(chain))
    return {};
  return make_error(errc::unknown_chain, fmt::format("chain {} is not a peg counterparty of chain {}", chain, self_));
}

status peg_module::move_native(const std::optional<peg::native_move>& m, ledger* l) {
  if (!m || !l)
    return {};
  if (m->denom != genesis_->native_denom)
    return make_error(errc::invalid_argument, fmt::format("{} is not this chain's native token", m->denom));
  // Escrow is the ledger's locked funds: a send's spend was locked by the ledger; a release or
  // a refund unlocks it to its owner (supply unchanged).
  if (m->dir == peg::native_move::direction::credit)
    return l->unlock(m->account, m->value);
  return {};
}

void peg_module::add_entry(peg::outbox_entry e) {
  outbox_.add(std::move(e));
}

status peg_module::send(const peg::send_request& r, amount spend, const block_context& ctx, ledger* l) {
  if (auto st = counterparty_known(r.destination, ctx); !st)
    return st;
  if (r.timeout_height == 0)
    return make_error(errc::invalid_argument, "a timeout height is required");
  if (const auto* t = std::get_if<peg::asset_transfer>(&r.payload)) {
    if (t->value == 0)
      return make_error(errc::zero_amount, "a peg transfer of nothing");
    if (peg::is_native(t->denom) && t->denom != genesis_->native_denom)
      return make_error(errc::invalid_argument,
                        fmt::format("{} is not this chain's native token ({})", t->denom, genesis_->native_denom));
    if (!l) {
      // Admission: a voucher must be held (the ledger checks a native balance).
      if (!peg::is_native(t->denom) && ledger_.voucher_balance(t->denom, r.sender) < t->value)
        return make_error(errc::insufficient_funds, fmt::format("voucher balance of {} is short", t->denom));
      return {};
    }
  } else if (!l) {
    return peg::validate_op(std::get<peg::metadata_op>(r.payload));
  }
  auto sent = ledger_.send(r);
  if (!sent)
    return sent.error();
  if (sent->move && sent->move->value != spend)
    return make_error(errc::invalid_argument, "the escrow differs from the ledger's lock");
  add_entry(sent->message);
  return {};
}

status peg_module::update_client(const sidechain_anchor_payload& p, const block_context& ctx, bool apply) {
  if (ctx.state)
    if (const auto* reg = find_registry(*ctx.state); reg && reg->find(p.id))
      return make_error(errc::invalid_argument,
                        fmt::format("chain {} is a sidechain: the registry's anchors are this chain's light client of it", p.id));
  auto i = clients_.find(p.id);
  if (i == clients_.end())
    return make_error(errc::unknown_chain, fmt::format("no light client of chain {} on chain {}", p.id, self_));
  auto copy = i->second;
  auto st = p.proof ? copy.client.accept_handoff(p.header, p.certificate, *p.proof)
                    : copy.client.accept_final(p.header, p.certificate);
  if (!st)
    return st;
  if (!apply)
    return {};
  if (p.proof)
    copy.trust = peg_trust_point{p.id, p.header, *p.proof};
  copy.latest_cert = p.certificate;
  copy.advanced = true;
  undo_op op;
  op.ledger_mark = ledger_.checkpoint();
  op.outbox_size = outbox_.entries().size();
  op.client = p.id;
  op.old_client = i->second;
  journal_.push_back(std::move(op));
  i->second = std::move(copy);
  dirty_clients_.insert(p.id);
  return {};
}

status peg_module::run(const transaction& tx, const block_context& ctx, ledger* l) {
  const bool apply = l != nullptr;
  const auto* state = ctx.state;
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      const address sender = address_of(tx.sender);
      if constexpr (std::is_same_v<T, peg_send_tx>) {
        peg::send_request r{sender, p.receiver, p.destination, peg::asset_transfer{p.denom, p.value}, p.timeout_height};
        return send(r, p.spend(), ctx, l);
      } else if constexpr (std::is_same_v<T, peg_send_metadata_tx>) {
        peg::send_request r{sender, p.receiver, p.destination, peg::metadata_op{p.operation, p.keys, p.body},
                            p.timeout_height};
        return send(r, 0, ctx, l);
      } else if constexpr (std::is_same_v<T, peg_receive_tx>) {
        if (!p.body)
          return make_error(errc::malformed, "peg_receive without a bundle");
        const auto* m = std::get_if<peg::peg_message>(&p.body->entry);
        if (!m)
          return make_error(errc::bad_proof, "peg_receive carries an acknowledgement, not a message");
        const auto* client = client_for(m->id.source, state);
        if (!client)
          return make_error(errc::unknown_chain, fmt::format("no light client of chain {}", m->id.source));
        if (auto v = peg::verify_message_delivery(*p.body, *client, self_); !v)
          return v.error();
        if (ledger_.receipt(m->id))
          return make_error(errc::duplicate, "message already received");
        if (peg::timed_out_at(m->timeout_height, ctx.height))
          return make_error(errc::expired, fmt::format("message timed out at height {}", m->timeout_height));
        if (!apply)
          return {};
        // The genesis rule, then every module's veto (DS metadata's on its keys).
        const peg::metadata_rule rule = [&](const peg::peg_message& msg) -> std::optional<std::string> {
          if (genesis_->metadata_rule)
            if (auto why = genesis_->metadata_rule(msg))
              return why;
          if (state)
            for (const auto& slot : state->state_modules())
              if (auto why = slot->metadata_veto(msg, ctx))
                return why;
          return std::nullopt;
        };
        auto got = ledger_.receive(*m, ctx.height, &rule);
        if (!got)
          return got.error();
        if (auto st = move_native(got->move, l); !st)
          return st;
        add_entry(got->ack);
        return {};
      } else if constexpr (std::is_same_v<T, peg_acknowledge_tx>) {
        if (!p.body)
          return make_error(errc::malformed, "peg_acknowledge without a bundle");
        const auto* a = std::get_if<peg::peg_ack>(&p.body->entry);
        if (!a)
          return make_error(errc::bad_proof, "peg_acknowledge carries a message, not an acknowledgement");
        const auto* sent = ledger_.in_flight(a->id);
        if (!sent)
          return make_error(errc::wrong_status, "no such message in flight");
        const auto* client = client_for(sent->destination, state);
        if (!client)
          return make_error(errc::unknown_chain, fmt::format("no light client of chain {}", sent->destination));
        if (auto v = peg::verify_ack_delivery(*p.body, *client, *sent); !v)
          return v.error();
        if (!apply)
          return {};
        auto settled = ledger_.acknowledge(*a, sent->destination);
        if (!settled)
          return settled.error();
        if (settled->notice)
          add_entry(*settled->notice);
        return move_native(settled->move, l);
      } else if constexpr (std::is_same_v<T, peg_timeout_tx>) {
        if (!p.body)
          return make_error(errc::malformed, "peg_timeout without a bundle");
        const auto* sent = ledger_.in_flight(p.body->id);
        if (!sent)
          return make_error(errc::wrong_status, "no such message in flight");
        if (std::holds_alternative<peg::metadata_commit>(sent->payload))
          return make_error(errc::wrong_status, "a commit notice never times out: its operation is committed here");
        const auto* client = client_for(sent->destination, state);
        if (!client)
          return make_error(errc::unknown_chain, fmt::format("no light client of chain {}", sent->destination));
        auto proven = peg::verify_timeout(*p.body, *client, *sent);
        if (!proven)
          return proven.error();
        if (!apply)
          return {};
        auto settled = ledger_.timeout(p.body->id, *proven);
        if (!settled)
          return settled.error();
        return move_native(settled->move, l);
      } else if constexpr (std::is_same_v<T, peg_client_update_tx>) {
        if (!p.body)
          return make_error(errc::malformed, "peg_client_update without a body");
        return update_client(*p.body, ctx, apply);
      } else {
        return make_error(errc::kind_not_enabled, "not a peg transaction");
      }
    },
    tx.payload);
}

status peg_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  (void)l;
  // With no ledger, run() only reads: it verifies and checks, and changes nothing.
  return const_cast<peg_module*>(this)->run(tx, ctx, nullptr);
}

status peg_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  // One undo step per transaction: the peg ledger's mark and the outbox's length before it.
  undo_op op;
  op.ledger_mark = ledger_.checkpoint();
  op.outbox_size = outbox_.entries().size();
  journal_.push_back(std::move(op));
  return run(tx, ctx, &l);
}

status peg_module::apply_peg_effects(std::span<const peg_effect> effects, const block_context& ctx) {
  undo_op op;
  op.ledger_mark = ledger_.checkpoint();
  op.outbox_size = outbox_.entries().size();
  journal_.push_back(std::move(op));
  for (const auto& e : effects) {
    if (peg::is_native(e.denom))
      return make_error(errc::invalid_argument, e.denom + ": module effects move vouchers only");
    if (e.destination == 0) {
      if (auto st = ledger_.move_voucher(e.denom, e.from, e.to, e.value); !st)
        return st;
      continue;
    }
    if (auto st = counterparty_known(e.destination, ctx); !st)
      return st;
    if (e.value == 0)
      return make_error(errc::zero_amount, "a peg transfer of nothing");
    if (e.timeout_height == 0)
      return make_error(errc::invalid_argument, "a timeout height is required");
    auto sent = ledger_.send(peg::send_request{e.from, e.to, e.destination, peg::asset_transfer{e.denom, e.value},
                                               e.timeout_height});
    if (!sent)
      return sent.error();
    add_entry(sent->message);
  }
  return {};
}

void peg_module::begin_block(const block_context& ctx) {
  (void)ctx;
  undo_op op;
  op.ledger_mark = ledger_.checkpoint();
  op.old_outbox = outbox_.entries();
  journal_.push_back(std::move(op));
  outbox_.assign({});
}

void peg_module::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    auto op = std::move(journal_.back());
    journal_.pop_back();
    ledger_.rollback(op.ledger_mark);
    if (op.old_outbox)
      outbox_.assign(std::move(*op.old_outbox));
    else
      outbox_.truncate(op.outbox_size);
    if (op.client) {
      if (op.old_client)
        clients_.insert_or_assign(*op.client, std::move(*op.old_client));
      else
        clients_.erase(*op.client);
      dirty_clients_.insert(*op.client);
    }
  }
}

void peg_module::forget_undo(std::size_t count) {
  count = std::min(count, journal_.size());
  if (count == 0)
    return;
  // The ledger entries older than the first kept step go with the forgotten steps.
  const auto ledger_count = count < journal_.size() ? journal_[count].ledger_mark : ledger_.checkpoint();
  ledger_.forget_journal(ledger_count);
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(count));
  for (auto& op : journal_)
    op.ledger_mark -= std::min(op.ledger_mark, ledger_count);
}

void peg_module::release_undo() {
  journal_.clear();
  ledger_.release_undo();
}

std::vector<module_record> peg_module::dirty_records() const {
  auto out = ledger_.dirty_records();
  for (auto id : dirty_clients_) {
    auto i = clients_.find(id);
    if (i == clients_.end() || !i->second.advanced) {
      out.emplace_back(client_key(id), std::nullopt);
      continue;
    }
    // be32(length of A) || A || B: A the trust point and B the latest final header with its
    // certificate, both in the anchor payload's layout.
    const auto& c = i->second;
    // A's certificate is an unsigned placeholder (never verified: restore trusts the stored
    // header through its state proof alone); it only has to decode, so its target is above its source.
    finality_certificate placeholder;
    placeholder.chain = id;
    placeholder.source_height = c.trust.header.height;
    placeholder.source = header_hash(c.trust.header);
    placeholder.height = c.trust.header.height + 1;
    const auto a = codec::encode(sidechain_anchor_payload{id, c.trust.header, placeholder, c.trust.proof});
    bytes v;
    put_be32(v, static_cast<std::uint32_t>(a.size()));
    v.insert(v.end(), a.begin(), a.end());
    if (c.latest_cert && header_hash(c.client.latest()) != header_hash(c.trust.header)) {
      const auto b = codec::encode(sidechain_anchor_payload{id, c.client.latest(), *c.latest_cert, std::nullopt});
      v.insert(v.end(), b.begin(), b.end());
    }
    out.emplace_back(client_key(id), std::move(v));
  }
  if (genesis_dirty_)
    out.emplace_back(genesis_key, bytes(genesis_->native_denom.begin(), genesis_->native_denom.end()));
  std::sort(out.begin(), out.end(), [](const module_record& x, const module_record& y) { return x.first < y.first; });
  return out;
}

void peg_module::mark_all_dirty() {
  ledger_.mark_all_dirty();
  genesis_dirty_ = true;
  for (const auto& [id, c] : clients_)
    if (c.advanced)
      dirty_clients_.insert(id);
}

void peg_module::clear_dirty() {
  ledger_.clear_dirty();
  dirty_clients_.clear();
  genesis_dirty_ = false;
}

status peg_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  std::vector<std::pair<bytes, bytes>> own;
  own.reserve(records.size());
  auto clients = std::map<chain_id, client_state>{};
  for (const auto& [id, c] : clients_)
    if (!c.advanced)
      clients.emplace(id, c);
  for (const auto& r : records) {
    if (r.first == genesis_key) {
      if (std::string(r.second.begin(), r.second.end()) != genesis_->native_denom)
        return make_error(errc::storage_corrupt, "the stored peg native denom differs from the genesis's");
      continue;
    }
    if (r.first.empty() || r.first[0] != 'L') {
      own.push_back(r);
      continue;
    }
    if (r.first.size() != 5 || r.second.size() < 4)
      return make_error(errc::storage_corrupt, "a peg light-client record of the wrong shape");
    const chain_id id = (chain_id{r.first[1]} << 24) | (chain_id{r.first[2]} << 16) | (chain_id{r.first[3]} << 8) | r.first[4];
    const std::size_t len = (std::size_t{r.second[0]} << 24) | (std::size_t{r.second[1]} << 16)
                            | (std::size_t{r.second[2]} << 8) | r.second[3];
    if (len > r.second.size() - 4)
      return make_error(errc::storage_corrupt, "a peg light-client record of the wrong shape");
    auto a = codec::decode_sidechain_anchor(byte_view{r.second.data() + 4, len});
    if (!a || !a->proof || a->id != id)
      return make_error(errc::storage_corrupt, "a peg light-client record's trust point does not decode"
                        + (a ? std::string() : ": " + a.error().detail));
    auto client = light_client::start(a->header, *a->proof);
    if (!client)
      return make_error(errc::storage_corrupt, "a stored peg trust point does not verify: " + client.error().detail);
    client_state c{peg_trust_point{id, a->header, *a->proof}, std::move(*client), std::nullopt, true};
    if (4 + len < r.second.size()) {
      auto b = codec::decode_sidechain_anchor(byte_view{r.second.data() + 4 + len, r.second.size() - 4 - len});
      if (!b || b->id != id)
        return make_error(errc::storage_corrupt, "a peg light-client record's latest header does not decode");
      if (auto st = c.client.accept_final(b->header, b->certificate); !st)
        return make_error(errc::storage_corrupt, "a stored peg header does not verify: " + st.error().detail);
      c.latest_cert = b->certificate;
    }
    clients.insert_or_assign(id, std::move(c));
  }
  auto l = peg::peg_ledger::restore(self_, own);
  if (!l)
    return l.error();
  ledger_ = std::move(*l);
  clients_ = std::move(clients);
  outbox_.assign({});
  journal_.clear();
  dirty_clients_.clear();
  return {};
}

result<std::unique_ptr<peg_module>> peg_module::from_records(chain_id self,
                                                              std::span<const std::pair<bytes, bytes>> records) {
  auto g = std::make_shared<peg_genesis>();
  bool found = false;
  for (const auto& r : records)
    if (r.first == genesis_key) {
      if (r.second.empty() || r.second.size() > 64)
        return make_error(errc::storage_corrupt, "the peg module's native denom record is of the wrong size");
      g->native_denom.assign(r.second.begin(), r.second.end());
      found = true;
    }
  if (!found)
    return make_error(errc::storage_corrupt, "the peg module's native denom record is missing");
  auto m = std::make_unique<peg_module>(self, std::move(g));
  if (auto st = m->restore(records); !st)
    return st.error();
  return m;
}

const peg_module* find_peg(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::peg);
  return m ? static_cast<const peg_module*>(m) : nullptr;
}

status check_metadata_write(const chain_state& state, byte_view key) {
  const auto* m = find_peg(state);
  return m ? m->peg_ledger().check_write(key) : status{};
}

result<std::vector<peg::outbox_entry>> block_outbox(const chain_state& parent, const block& b) {
  auto copy = parent;
  if (auto st = copy.apply_block(b, signature_check::already_verified); !st)
    return st.error();
  const auto* m = find_peg(copy);
  if (!m)
    return std::vector<peg::outbox_entry>{};
  return m->outbox_entries();
}

status check_peg_conservation(const chain_state& a, const chain_state& b) {
  const auto* pa = find_peg(a);
  const auto* pb = find_peg(b);
  if (!pa || !pb)
    return make_error(errc::invalid_argument, "both chains need the peg module");
  return peg::check_conservation(pa->peg_ledger(), pb->peg_ledger());
}

chain_spec with_peg(chain_spec spec, const peg_trust_point& mainchain) {
  spec = with_peg(std::move(spec));
  auto g = std::make_shared<peg_genesis>(*spec.genesis.peg);
  g->counterparties.push_back(mainchain);
  spec.genesis.peg = std::move(g);
  return spec;
}

chain_spec with_peg(chain_spec spec) {
  auto g = std::make_shared<peg_genesis>();
  g->native_denom = spec.token_symbol;
  spec.genesis.peg = std::move(g);
  spec.genesis.modules = spec.genesis.modules.with(module_id::peg);
  return spec;
}

} // namespace bfd
