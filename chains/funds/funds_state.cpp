#include "chains/funds/funds_state.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "chains/codec/canonical.hpp"
#include "chains/codec/field_reader.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/ledger/ledger.hpp"

namespace bfd::funds {

namespace {

// Record prefixes (docs/formats.md section 19).
constexpr byte p_summary = 'S', p_holder = 'H';
constexpr codec::limits record_limits{256, 16, 1};
constexpr std::uint32_t summary_fields = 16, holder_fields = 7;

bytes summary_key() {
  return bytes{p_summary};
}
bytes holder_key(const address& a) {
  bytes k{p_holder};
  k.insert(k.end(), a.begin(), a.end());
  return k;
}
byte_view view(const bytes& b) {
  return byte_view{b.data(), b.size()};
}

bytes enc_uints(std::initializer_list<std::uint64_t> vs) {
  bytes out;
  codec::writer w(out);
  w.array(static_cast<std::uint32_t>(vs.size()));
  for (auto v : vs)
    w.uint(v);
  return out;
}
bytes enc_summary(const summary& s) {
  return enc_uints({static_cast<std::uint8_t>(s.mode), s.fixed_rate, s.subscribed_bfdt, s.minted, s.subscriptions,
                    s.traded, s.trades, s.commission_org, s.commission_platform, s.platform_swept,
                    s.platform_paid_bfdt, s.sweeps, s.redeemed, s.redeemed_bfdt, s.redemptions, s.holders});
}
bytes enc_holder(const holder& h) {
  return enc_uints({h.subscribed_bfdt, h.minted, h.bought, h.sold, h.commission, h.redeemed, h.redeemed_bfdt});
}

template <class T, class Read, class Enc>
result<T> dec(byte_view in, std::uint32_t n, const char* what, Read read, Enc enc) {
  return codec::decode_canonical<T>(
    in, record_limits,
    [&](const msgpack::object& obj) -> result<T> {
      auto items = codec::reader(obj, what).array(n);
      if (!items)
        return items.error();
      codec::field_reader f(*items);
      T v = read(f);
      if (!f.ok())
        return f.err();
      return v;
    },
    [&](const T& v, bytes& out) { out = enc(v); });
}

result<summary> dec_summary(byte_view in) {
  return dec<summary>(
    in, summary_fields, "funds summary",
    [](codec::field_reader& f) {
      summary s;
      s.mode = static_cast<ds::rate_mode>(f.uint(0, "mode", ds::rate_mode_count - 1));
      s.fixed_rate = f.uint(1, "fixed rate");
      s.subscribed_bfdt = f.uint(2, "subscribed");
      s.minted = f.uint(3, "minted");
      s.subscriptions = f.uint(4, "subscriptions");
      s.traded = f.uint(5, "traded");
      s.trades = f.uint(6, "trades");
      s.commission_org = f.uint(7, "commission org");
      s.commission_platform = f.uint(8, "commission platform");
      s.platform_swept = f.uint(9, "platform swept");
      s.platform_paid_bfdt = f.uint(10, "platform paid");
      s.sweeps = f.uint(11, "sweeps");
      s.redeemed = f.uint(12, "redeemed");
      s.redeemed_bfdt = f.uint(13, "redeemed bfdt");
      s.redemptions = f.uint(14, "redemptions");
      s.holders = f.uint(15, "holders", max_holders);
      return s;
    },
    enc_summary);
}
result<holder> dec_holder(byte_view in) {
  return dec<holder>(
    in, holder_fields, "funds holder",
    [](codec::field_reader& f) {
      holder h;
      h.subscribed_bfdt = f.uint(0, "subscribed");
      h.minted = f.uint(1, "minted");
      h.bought = f.uint(2, "bought");
      h.sold = f.uint(3, "sold");
      h.commission = f.uint(4, "commission");
      h.redeemed = f.uint(5, "redeemed");
      h.redeemed_bfdt = f.uint(6, "redeemed bfdt");
      return h;
    },
    enc_holder);
}

error corrupt(const std::string& what) {
  return make_error(errc::storage_corrupt, "funds record: " + what);
}

// Whether the summary's totals are consistent (never more taken out than went in).
bool consistent(const summary& s) {
  if (s.platform_swept > s.commission_platform)
    return false;
  if (s.mode == ds::rate_mode::bfdt)
    return s.minted == 0 && s.redeemed == 0 && s.subscribed_bfdt == 0
           && s.redeemed_bfdt + s.platform_paid_bfdt <= s.commission_platform;
  if (s.mode == ds::rate_mode::fixed && s.fixed_rate == 0)
    return false;
  const auto out = checked_add(s.redeemed, s.platform_swept);
  const auto paid = checked_add(s.redeemed_bfdt, s.platform_paid_bfdt);
  return out && *out <= s.minted && paid && *paid <= s.subscribed_bfdt;
}

#define BFD_TRY(expr)            \
  do {                           \
    if (auto st_ = (expr); !st_) \
      return st_;                \
  } while (0)

} // namespace

namespace {
address derived_address(std::string_view tag) {
  const auto h = tagged_hash(hash_tag::funds, byte_view{reinterpret_cast<const byte*>(tag.data()), tag.size()});
  address out;
  std::copy(h.begin(), h.begin() + out.size(), out.begin());
  return out;
}
} // namespace

const address& escrow_address() {
  static const address a = derived_address("escrow");
  return a;
}

const address& platform_pending_address() {
  static const address a = derived_address("platform");
  return a;
}

amount redeemable(const summary& s) {
  return s.minted - s.redeemed - s.platform_swept;
}

amount escrow_accounted(const summary& s) {
  const amount in = s.mode == ds::rate_mode::bfdt ? s.commission_platform : s.subscribed_bfdt;
  return in - s.redeemed_bfdt - s.platform_paid_bfdt;
}

std::optional<amount> tokens_to_bfdt(amount tokens, amount rate) {
  const auto v = static_cast<unsigned __int128>(tokens) * rate / units_per_token;
  if (v > UINT64_MAX)
    return std::nullopt;
  return static_cast<amount>(v);
}

std::optional<amount> bfdt_to_tokens(amount bfdt, amount rate) {
  if (rate == 0)
    return std::nullopt;
  const auto v = static_cast<unsigned __int128>(bfdt) * units_per_token / rate;
  if (v > UINT64_MAX)
    return std::nullopt;
  return static_cast<amount>(v);
}

commission commission_of(amount tokens, const params& p) {
  const auto c = static_cast<amount>((static_cast<unsigned __int128>(tokens) * p.commission_bps + 9'999) / 10'000);
  const auto org = static_cast<amount>(static_cast<unsigned __int128>(c) * p.org_share_bps / 10'000);
  return commission{org, c - org};
}

// --- construction and reads ---------------------------------------------------------------------

result<funds_state> funds_state::restore(std::span<const std::pair<bytes, bytes>> records, params p) {
  funds_state s(p);
  std::uint64_t holders = 0;
  bool has_summary = false;
  for (const auto& [k, v] : records) {
    if (k.size() == 1 && k[0] == p_summary) {
      auto d = dec_summary(view(v));
      if (!d || !consistent(*d))
        return corrupt("the summary does not decode or its totals are inconsistent");
      has_summary = true;
    } else if (k.size() == 21 && k[0] == p_holder) {
      if (!dec_holder(view(v)))
        return corrupt("a holder does not decode");
      ++holders;
    } else {
      return corrupt("an unknown key 0x" + to_hex(view(k)).substr(0, 32));
    }
    s.records_.load(k, v);
  }
  if (!records.empty() && !has_summary)
    return corrupt("holder records without the 'S' record");
  if (s.totals().holders != holders)
    return corrupt(fmt::format("the summary counts {} holders, the records hold {}", s.totals().holders, holders));
  return s;
}

summary funds_state::totals() const {
  const auto* r = records_.find(summary_key());
  if (!r)
    return {};
  auto s = dec_summary(view(*r));
  return s ? *s : summary{};
}

std::optional<holder> funds_state::find_holder(const address& a) const {
  const auto* r = records_.find(holder_key(a));
  if (!r)
    return std::nullopt;
  auto h = dec_holder(view(*r));
  return h ? std::optional<holder>(*h) : std::nullopt;
}

std::vector<std::pair<address, holder>> funds_state::holders(const address& after, std::uint32_t limit) const {
  std::vector<std::pair<address, holder>> out;
  limit = std::min(limit, max_page);
  const auto& recs = records();
  auto it = after == address{} ? recs.lower_bound(holder_key(after)) : recs.upper_bound(holder_key(after));
  for (; it != recs.end() && it->first[0] == p_holder && out.size() < limit; ++it)
    if (auto h = dec_holder(view(it->second))) {
      address a;
      std::copy(it->first.begin() + 1, it->first.end(), a.begin());
      out.emplace_back(a, *h);
    }
  return out;
}

std::optional<hash256> funds_state::root() const {
  if (records_.empty())
    return std::nullopt;
  return records_.root();
}

// --- shared rule steps ----------------------------------------------------------------------------

result<funds_state::terms_view> funds_state::fund_terms(const env& e) const {
  if (!e.ds)
    return make_error(errc::funds_no_terms, "this chain has no DS metadata: it is not a fund chain");
  const auto t = e.ds->terms();
  if (!t)
    return make_error(errc::funds_no_terms, "the fund has no fund-raise terms yet (ds_raise over the peg)");
  terms_view v{t->mode, t->mode == ds::rate_mode::bfdt ? ds::bfdt_rate : e.ds->rate().value_or(t->rate), *t,
               e.ds->summary()};
  if (!empty()) {
    const auto s = totals();
    if (s.mode != t->mode)
      return make_error(errc::funds_wrong_mode, fmt::format("the fund started in mode {}; its terms now say {}",
                                                            ds::to_string(s.mode), ds::to_string(t->mode)));
    if (s.mode == ds::rate_mode::fixed)
      v.rate = s.fixed_rate;
  }
  if (v.rate == 0)
    return make_error(errc::funds_no_terms, "the fund has no rate");
  return v;
}

status funds_state::eligible(const address& a, const char* role, const env& e) const {
  if (const auto o = e.ds->org(); o && o->owner == a)
    return {};
  const auto m = e.ds->find_member(a);
  if (!m)
    return make_error(errc::funds_not_eligible, fmt::format("the {} {} is not a member of the fund", role,
                                                            format_address(a)));
  if (m->level < params_.min_level)
    return make_error(errc::funds_not_eligible, fmt::format("the {} {} is a member at level {}; the fund needs {}",
                                                            role, format_address(a), m->level, params_.min_level));
  return {};
}

holder funds_state::holder_or_new(const address& a) const {
  return find_holder(a).value_or(holder{});
}

void funds_state::put_summary(const summary& s) {
  records_.put(summary_key(), enc_summary(s));
}

void funds_state::put_holder(const address& a, const holder& h, summary& s) {
  auto k = holder_key(a);
  if (!records_.find(k))
    ++s.holders;
  records_.put(std::move(k), enc_holder(h));
}

namespace {
amount vouchers_of(const env& e, const address& a) {
  return e.vouchers ? e.vouchers(a) : 0;
}
status holder_room(const funds_state& st, const address& a, std::uint64_t extra = 1) {
  if (!st.find_holder(a) && st.totals().holders + extra > max_holders)
    return make_error(errc::funds_limit, fmt::format("the fund has {} holder records, the most it keeps", max_holders));
  return {};
}
// A fresh summary fixes the mode (and a fixed rate) at the first operation.
summary started(summary s, bool fresh, ds::rate_mode mode, amount rate) {
  if (fresh) {
    s.mode = mode;
    s.fixed_rate = mode == ds::rate_mode::fixed ? rate : 0;
  }
  return s;
}
} // namespace

// --- subscribe ------------------------------------------------------------------------------------

status funds_state::check(const address& sender, amount fee, const fund_subscribe_tx& p, const env& e,
                          const ledger& l) const {
  (void)fee;
  (void)l;
  if (p.value == 0)
    return make_error(errc::invalid_argument, "a subscription of nothing");
  auto t = fund_terms(e);
  if (!t)
    return t.error();
  if (t->mode == ds::rate_mode::bfdt)
    return make_error(errc::funds_wrong_mode, "in mode bfdt the fund's token is BFDT itself: nothing to subscribe");
  BFD_TRY(eligible(sender, "investor", e));
  if (t->status.status != ds::fund_status::active)
    return make_error(errc::funds_raise_closed, fmt::format("the fund is {}", ds::to_string(t->status.status)));
  if (e.height > t->terms.deadline)
    return make_error(errc::funds_raise_closed, fmt::format("the raise closed at height {}", t->terms.deadline));
  const auto s = totals();
  const auto raised = checked_add(s.subscribed_bfdt, p.value);
  if (!raised || *raised > t->terms.max)
    return make_error(errc::funds_raise_closed, fmt::format("{} subscribed, {} more exceeds the maximum {}",
                                                            s.subscribed_bfdt, p.value, t->terms.max));
  const auto tokens = bfdt_to_tokens(p.value, t->rate);
  if (!tokens || *tokens == 0)
    return make_error(errc::funds_too_small, fmt::format("{} BFDT units buy no fund base unit at rate {}", p.value,
                                                         t->rate));
  if (!checked_add(s.minted, *tokens) || !checked_add(l.total_supply(), *tokens))
    return make_error(errc::overflow, "the fund token's supply would pass 2^64-1");
  if (const auto have = vouchers_of(e, sender); have < p.value)
    return make_error(errc::insufficient_funds, fmt::format("{} holds {} units of {}, the subscription pays {}",
                                                            format_address(sender), have, bfdt_denom, p.value));
  return holder_room(*this, sender);
}

status funds_state::apply(const address& sender, const fund_subscribe_tx& p, const env& e, ledger& l,
                          std::vector<peg_effect>& out) {
  BFD_TRY(check(sender, 0, p, e, l));
  const auto t = *fund_terms(e);
  const auto tokens = *bfdt_to_tokens(p.value, t.rate);
  BFD_TRY(l.mint(sender, tokens));
  out.push_back(peg_effect{std::string(bfdt_denom), sender, escrow_address(), p.value});
  auto s = started(totals(), empty(), t.mode, t.rate);
  s.subscribed_bfdt += p.value;
  s.minted += tokens;
  ++s.subscriptions;
  auto h = holder_or_new(sender);
  h.subscribed_bfdt += p.value;
  h.minted += tokens;
  put_holder(sender, h, s);
  put_summary(s);
  return {};
}

// --- trade ----------------------------------------------------------------------------------------

status funds_state::check(const address& sender, amount fee, const fund_trade_tx& p, const env& e,
                          const ledger& l) const {
  if (p.tokens == 0)
    return make_error(errc::invalid_argument, "a trade of nothing");
  if (p.buyer == sender)
    return make_error(errc::invalid_argument, "a seller cannot buy from itself");
  auto t = fund_terms(e);
  if (!t)
    return t.error();
  BFD_TRY(eligible(sender, "seller", e));
  BFD_TRY(eligible(p.buyer, "buyer", e));
  if (t->status.status != ds::fund_status::active)
    return make_error(errc::ds_not_active, fmt::format("the fund is {}: its tokens no longer trade",
                                                       ds::to_string(t->status.status)));
  const auto c = commission_of(p.tokens, params_);
  if (c.total() >= p.tokens)
    return make_error(errc::funds_too_small, fmt::format("a trade of {} units leaves the buyer nothing after the "
                                                         "commission of {}", p.tokens, c.total()));
  const bool bfdt = t->mode == ds::rate_mode::bfdt;
  const auto have = bfdt ? vouchers_of(e, sender) : l.get(sender).balance;
  // The fee comes out of the ledger balance first (the chain's token is the fund token).
  const auto need = bfdt ? std::optional<amount>(p.tokens) : checked_add(p.tokens, fee);
  if (!need || have < *need)
    return make_error(errc::insufficient_funds, fmt::format("{} holds {} of the fund's token; the trade needs {}",
                                                            format_address(sender), have, p.tokens));
  const auto o = e.ds->org();
  if (c.org > 0 && !o)
    return make_error(errc::ds_no_org, "no organisation to pay the commission to");
  std::uint64_t fresh = 0;
  for (const auto* a : {&sender, &p.buyer})
    fresh += find_holder(*a) ? 0 : 1;
  if (o && c.org > 0 && !find_holder(o->owner) && o->owner != sender && o->owner != p.buyer)
    ++fresh;
  if (totals().holders + fresh > max_holders)
    return make_error(errc::funds_limit, fmt::format("the fund has {} holder records, the most it keeps", max_holders));
  return {};
}

status funds_state::apply(const address& sender, const fund_trade_tx& p, const env& e, ledger& l,
                          std::vector<peg_effect>& out) {
  BFD_TRY(check(sender, 0, p, e, l));
  const auto t = *fund_terms(e);
  const auto c = commission_of(p.tokens, params_);
  const auto net = p.tokens - c.total();
  const auto o = e.ds->org();
  const bool bfdt = t.mode == ds::rate_mode::bfdt;
  if (bfdt) {
    const std::string denom(bfdt_denom);
    out.push_back(peg_effect{denom, sender, p.buyer, net});
    if (c.org > 0)
      out.push_back(peg_effect{denom, sender, o->owner, c.org});
    if (c.platform > 0)
      out.push_back(peg_effect{denom, sender, escrow_address(), c.platform});
  } else {
    BFD_TRY(l.move(sender, p.buyer, net));
    if (c.org > 0)
      BFD_TRY(l.move(sender, o->owner, c.org));
    BFD_TRY(l.move(sender, platform_pending_address(), c.platform));
  }
  auto s = started(totals(), empty(), t.mode, t.rate);
  s.traded += p.tokens;
  ++s.trades;
  s.commission_org += c.org;
  s.commission_platform += c.platform;
  auto seller = holder_or_new(sender);
  seller.sold += p.tokens;
  put_holder(sender, seller, s);
  auto buyer = holder_or_new(p.buyer);
  buyer.bought += net;
  put_holder(p.buyer, buyer, s);
  if (c.org > 0) {
    auto org = holder_or_new(o->owner);
    org.commission += c.org;
    put_holder(o->owner, org, s);
  }
  put_summary(s);
  return {};
}

// --- sweep ----------------------------------------------------------------------------------------

namespace {
// The BFDT the platform's pending share converts to now: at the rate, and in mode floating never
// more than its pro-rata share of the escrow (the remaining holders are never diluted).
result<amount> sweep_value(const summary& s, ds::rate_mode mode, amount rate) {
  const auto pending = pending_platform(s);
  if (mode == ds::rate_mode::bfdt)
    return pending;
  auto v = tokens_to_bfdt(pending, rate);
  if (!v)
    return make_error(errc::overflow, "the pending commission's value passes 2^64-1");
  if (mode == ds::rate_mode::floating && redeemable(s) > 0) {
    const auto share =
      static_cast<amount>(static_cast<unsigned __int128>(escrow_accounted(s)) * pending / redeemable(s));
    return std::min(*v, share);
  }
  return *v;
}
} // namespace

status funds_state::check(const address& sender, amount fee, const fund_sweep_tx& p, const env& e,
                          const ledger& l) const {
  (void)fee;
  (void)l;
  if (p.timeout_height == 0)
    return make_error(errc::invalid_argument, "a sweep needs a timeout height on the mainchain");
  auto t = fund_terms(e);
  if (!t)
    return t.error();
  if (!e.access)
    return make_error(errc::access_denied, "this chain has no access module: no one may sweep");
  BFD_TRY(e.access->check(sender, acl::scope{acl::scope_kind::service, params_.exchange_service},
                          acl::permission::write));
  const auto s = totals();
  if (pending_platform(s) == 0)
    return make_error(errc::funds_nothing_pending, "no platform commission is pending");
  if (t->mode != ds::rate_mode::bfdt && pending_platform(s) > redeemable(s))
    return make_error(errc::funds_short_escrow, fmt::format("{} pending units exceed the {} redeemable ones",
                                                            pending_platform(s), redeemable(s)));
  auto v = sweep_value(s, t->mode, t->rate);
  if (!v)
    return v.error();
  if (*v == 0)
    return make_error(errc::funds_too_small, fmt::format("{} pending units are worth no BFDT unit at rate {}",
                                                         pending_platform(s), t->rate));
  if (*v > escrow_accounted(s) || *v > vouchers_of(e, escrow_address()))
    return make_error(errc::funds_short_escrow, fmt::format("the escrow holds {} BFDT units; the sweep needs {}",
                                                            escrow_accounted(s), *v));
  return {};
}

status funds_state::apply(const address& sender, const fund_sweep_tx& p, const env& e, ledger& l,
                          std::vector<peg_effect>& out) {
  BFD_TRY(check(sender, 0, p, e, l));
  const auto t = *fund_terms(e);
  auto s = totals();
  const auto v = *sweep_value(s, t.mode, t.rate);
  if (t.mode != ds::rate_mode::bfdt)
    BFD_TRY(l.burn(platform_pending_address(), pending_platform(s)));
  out.push_back(peg_effect{std::string(bfdt_denom), escrow_address(), p.platform, v, mainchain_id, p.timeout_height});
  s.platform_swept = s.commission_platform;
  s.platform_paid_bfdt += v;
  ++s.sweeps;
  put_summary(s);
  return {};
}

// --- redeem ---------------------------------------------------------------------------------------

namespace {
// What a redemption of `tokens` pays: fixed at the rate, floating pro rata of the accounted
// escrow over the redeemable supply (the platform's pending tokens are part of it).
result<amount> redemption_value(const summary& s, amount tokens, amount rate) {
  if (s.mode == ds::rate_mode::fixed) {
    auto v = tokens_to_bfdt(tokens, rate);
    if (!v)
      return make_error(errc::overflow, "the redemption's value passes 2^64-1");
    return *v;
  }
  return static_cast<amount>(static_cast<unsigned __int128>(escrow_accounted(s)) * tokens / redeemable(s));
}
} // namespace

status funds_state::check(const address& sender, amount fee, const fund_redeem_tx& p, const env& e,
                          const ledger& l) const {
  if (p.tokens == 0)
    return make_error(errc::invalid_argument, "a redemption of nothing");
  auto t = fund_terms(e);
  if (!t)
    return t.error();
  if (t->mode == ds::rate_mode::bfdt)
    return make_error(errc::funds_wrong_mode, "in mode bfdt holders hold BFDT itself: nothing to redeem");
  if (t->status.status == ds::fund_status::active)
    return make_error(errc::funds_not_liquidating, "the fund is active: redemption opens at its liquidation");
  const auto have = l.get(sender).balance;
  const auto need = checked_add(p.tokens, fee);
  if (!need || have < *need)
    return make_error(errc::insufficient_funds, fmt::format("{} holds {} of the fund's token; the redemption needs {}",
                                                            format_address(sender), have, p.tokens));
  const auto s = totals();
  if (empty() || p.tokens > redeemable(s))
    return make_error(errc::funds_short_escrow, fmt::format("{} fund units are redeemable in total; {} asked",
                                                            empty() ? 0 : redeemable(s), p.tokens));
  auto v = redemption_value(s, p.tokens, t->rate);
  if (!v)
    return v.error();
  if (*v == 0)
    return make_error(errc::funds_too_small, fmt::format("{} fund units are worth no BFDT unit now", p.tokens));
  if (*v > escrow_accounted(s) || *v > vouchers_of(e, escrow_address()))
    return make_error(errc::funds_short_escrow, fmt::format("the escrow holds {} BFDT units; the redemption needs {}",
                                                            escrow_accounted(s), *v));
  return holder_room(*this, sender);
}

status funds_state::apply(const address& sender, const fund_redeem_tx& p, const env& e, ledger& l,
                          std::vector<peg_effect>& out) {
  BFD_TRY(check(sender, 0, p, e, l));
  const auto t = *fund_terms(e);
  auto s = totals();
  const auto v = *redemption_value(s, p.tokens, t.rate);
  BFD_TRY(l.burn(sender, p.tokens));
  out.push_back(peg_effect{std::string(bfdt_denom), escrow_address(), sender, v});
  s.redeemed += p.tokens;
  s.redeemed_bfdt += v;
  ++s.redemptions;
  auto h = holder_or_new(sender);
  h.redeemed += p.tokens;
  h.redeemed_bfdt += v;
  put_holder(sender, h, s);
  put_summary(s);
  return {};
}

// --- plain transfers ------------------------------------------------------------------------------

status funds_state::check_transfer(const address& from, const address& to, const env& e) const {
  (void)to;
  if (!e.ds)
    return {};
  const auto t = e.ds->terms();
  if (!t || t->mode == ds::rate_mode::bfdt)
    return {};
  return make_error(errc::funds_transfer_refused,
                    fmt::format("this chain's token is the fund token {}: it moves by fund_trade only (between "
                                "eligible members, with the commission); {} may not transfer it",
                                t->symbol, format_address(from)));
}

} // namespace bfd::funds
