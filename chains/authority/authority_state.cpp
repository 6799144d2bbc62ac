#include "chains/authority/authority_state.hpp"

#include <fmt/format.h>

#include "chains/core/big_endian.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/ush/curve.hpp"

namespace bfd::authority {

namespace {

constexpr byte p_group = 'G';    // 'G' || id (32)
constexpr byte p_number = 'N';   // 'N' || be64 scope number -> id
constexpr byte p_issue = 'I';    // 'I' || id || member (20) -> be64 count
constexpr byte p_revoked = 'R';  // 'R' || id || pseudonym -> be64 height
constexpr byte p_tag = 'T';      // 'T' || tag -> be64 expiry
constexpr byte p_expiry = 'E';   // 'E' || be64 expiry || tag -> empty
constexpr byte p_member = 'M';   // 'M' || account (20) -> be64 count
constexpr byte p_counters = 'S'; // 'S' -> be64 groups, issue records, revoked, tags

constexpr std::size_t group_fixed = 33 + 20 + 8 * 3;

template <std::size_t N>
void append(bytes& out, const fixed_bytes<N>& b) {
  out.insert(out.end(), b.begin(), b.end());
}

template <class... Parts>
bytes key_of(byte prefix, const Parts&... parts) {
  bytes k{prefix};
  (append(k, parts), ...);
  return k;
}

bytes be64_value(std::uint64_t v) {
  bytes out;
  put_be64(out, v);
  return out;
}

std::optional<std::uint64_t> read_be64(const bytes* v) {
  if (!v || v->size() != 8)
    return std::nullopt;
  return get_be64(v->data());
}

bytes encode_group(const group_record& g) {
  bytes out;
  append(out, g.key);
  append(out, g.authority);
  put_be64(out, g.created);
  put_be64(out, g.issued);
  put_be64(out, g.revoked);
  out.insert(out.end(), g.name.begin(), g.name.end());
  return out;
}

std::optional<group_record> decode_group(const hash256& id, const bytes& v) {
  if (v.size() < group_fixed || v.size() > group_fixed + max_group_name)
    return std::nullopt;
  group_record g;
  g.id = id;
  std::copy_n(v.begin(), 33, g.key.begin());
  std::copy_n(v.begin() + 33, 20, g.authority.begin());
  g.created = get_be64(v.data() + 53);
  g.issued = get_be64(v.data() + 61);
  g.revoked = get_be64(v.data() + 69);
  g.name.assign(v.begin() + group_fixed, v.end());
  return g;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > max_group_name)
    return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return false;
  return true;
}

error corrupt(const std::string& detail) {
  return make_error(errc::storage_corrupt, "authority records: " + detail);
}

} // namespace

acl::scope group_scope(const hash256& group) {
  return {acl::scope_kind::ush_group, get_be64(group.data.data())};
}

std::uint64_t authority_state::counter(counter_index i) const {
  const auto* v = records_.find(bytes{p_counters});
  if (!v || v->size() != 8 * c_count)
    return 0;
  return get_be64(v->data() + 8 * i);
}

void authority_state::set_counter(counter_index i, std::uint64_t value) {
  bytes v(8 * c_count, 0);
  if (const auto* old = records_.find(bytes{p_counters}); old && old->size() == v.size())
    v = *old;
  bytes n;
  put_be64(n, value);
  std::copy(n.begin(), n.end(), v.begin() + 8 * i);
  records_.put(bytes{p_counters}, std::move(v));
}

std::optional<group_record> authority_state::group(const hash256& id) const {
  const auto* v = records_.find(key_of(p_group, id));
  if (!v)
    return std::nullopt;
  return decode_group(id, *v);
}

std::vector<group_record> authority_state::groups() const {
  std::vector<group_record> out;
  const auto& all = records_.records();
  for (auto it = all.lower_bound(bytes{p_group}); it != all.end() && !it->first.empty() && it->first[0] == p_group; ++it) {
    if (it->first.size() != 33)
      continue;
    hash256 id;
    std::copy_n(it->first.begin() + 1, 32, id.begin());
    if (auto g = decode_group(id, it->second))
      out.push_back(std::move(*g));
  }
  return out;
}

std::uint64_t authority_state::issued_to(const hash256& group, const address& member) const {
  return read_be64(records_.find(key_of(p_issue, group, member))).value_or(0);
}

bool authority_state::revoked(const hash256& group, const hash256& pseudonym) const {
  return records_.find(key_of(p_revoked, group, pseudonym)) != nullptr;
}

std::vector<hash256> authority_state::revocations(const hash256& group, const std::optional<hash256>& after,
                                                  std::size_t limit) const {
  std::vector<hash256> out;
  const auto prefix = key_of(p_revoked, group);
  const auto& all = records_.records();
  auto it = after ? all.upper_bound(key_of(p_revoked, group, *after)) : all.lower_bound(prefix);
  for (; it != all.end() && out.size() < limit; ++it) {
    const auto& k = it->first;
    if (k.size() != 65 || !std::equal(prefix.begin(), prefix.end(), k.begin()))
      break;
    hash256 id;
    std::copy_n(k.begin() + 33, 32, id.begin());
    out.push_back(id);
  }
  return out;
}

std::optional<std::uint64_t> authority_state::tag_expiry(const hash256& tag) const {
  return read_be64(records_.find(key_of(p_tag, tag)));
}

std::uint64_t authority_state::member_records(const address& account) const {
  return read_be64(records_.find(key_of(p_member, account))).value_or(0);
}

// --- checks --------------------------------------------------------------------------------------

status authority_state::check(const address& sender, const ush_group_create_tx& p, const env& e) const {
  (void)sender;
  (void)e;
  if (!valid_name(p.group_name))
    return make_error(errc::invalid_argument, fmt::format("a group name is 1 to {} printable bytes", max_group_name));
  if (!ush::is_point(p.key))
    return make_error(errc::invalid_argument, "the group key is not a compressed point of secp256k1");
  const auto id = tagged_hash(hash_tag::ush_group, p.key.view());
  if (records_.find(key_of(p_group, id)))
    return make_error(errc::ush_group_exists, "group " + to_hex(id.view()) + " exists already");
  bytes number;
  put_be64(number, group_scope(id).id);
  bytes nkey{p_number};
  nkey.insert(nkey.end(), number.begin(), number.end());
  if (records_.find(nkey))
    return make_error(errc::ush_group_exists, "another group has the scope number " + std::to_string(group_scope(id).id));
  if (counter(c_groups) >= max_groups)
    return make_error(errc::ush_limit, fmt::format("the chain holds {} groups, the most it may", max_groups));
  return {};
}

namespace {

result<group_record> owned_group(const authority_state& s, const address& sender, const hash256& id) {
  auto g = s.group(id);
  if (!g)
    return make_error(errc::ush_unknown_group, "no group " + to_hex(id.view()));
  if (g->authority != sender)
    return make_error(errc::ush_not_authority, "only the group's authority " + format_address(g->authority)
                                                  + " may do this");
  return std::move(*g);
}

} // namespace

status authority_state::check(const address& sender, const ush_issue_tx& p, const env& e) const {
  if (p.count == 0 || p.count > max_issue_count)
    return make_error(errc::ush_batch_size, fmt::format("a batch counts 1 to {} credentials", max_issue_count));
  auto g = owned_group(*this, sender, p.group);
  if (!g)
    return g.error();
  // The membership check: the member must hold `join` on the group's scope (or on global).
  if (!e.access)
    return make_error(errc::access_denied, "the chain has no access control: nobody may join a group");
  if (auto st = e.access->check(p.member, group_scope(p.group), acl::permission::join); !st)
    return st;
  if (issued_to(p.group, p.member) == 0 && counter(c_issue_records) >= max_issue_records)
    return make_error(errc::ush_limit, "the chain holds the most issuance records it may");
  return {};
}

status authority_state::check(const address& sender, const ush_revoke_tx& p, const env& e) const {
  (void)e;
  if (p.pseudonyms.empty() || p.pseudonyms.size() > max_revocations_per_tx)
    return make_error(errc::invalid_argument, fmt::format("a revocation names 1 to {} pseudonyms", max_revocations_per_tx));
  auto g = owned_group(*this, sender, p.group);
  if (!g)
    return g.error();
  for (std::size_t i = 0; i < p.pseudonyms.size(); ++i) {
    if (revoked(p.group, p.pseudonyms[i]))
      return make_error(errc::ush_already_revoked, "pseudonym " + to_hex(p.pseudonyms[i].view()) + " is revoked already");
    for (std::size_t j = 0; j < i; ++j)
      if (p.pseudonyms[j] == p.pseudonyms[i])
        return make_error(errc::invalid_argument, "a pseudonym is named twice");
  }
  if (counter(c_revoked) + p.pseudonyms.size() > max_revoked)
    return make_error(errc::ush_limit, fmt::format("the chain holds {} revoked pseudonyms, the most it may", max_revoked));
  return {};
}

status authority_state::check(const address& sender, const tagged_transfer_tx& p, const env& e) const {
  (void)sender;
  if (p.since > e.height)
    return make_error(errc::invalid_argument, fmt::format("since {} is above the block height {}", p.since, e.height));
  if (e.height - p.since > tag_window)
    return make_error(errc::ush_tag_expired, fmt::format("the tag was valid to height {}, this is {}",
                                                         p.since + tag_window, e.height));
  if (tag_expiry(p.tag))
    return make_error(errc::ush_tag_reused, "payment tag " + to_hex(p.tag.view()) + " was used before");
  if (live_tags() >= max_live_tags)
    return make_error(errc::ush_tag_registry_full, fmt::format("{} unexpired payment tags are held", max_live_tags));
  return {};
}

status authority_state::check(const address& sender, const member_record_tx& p, const env& e) const {
  if (p.data.empty() || p.data.size() > max_record_bytes)
    return make_error(errc::invalid_argument, fmt::format("a member record is 1 to {} bytes", max_record_bytes));
  if (!e.access)
    return make_error(errc::access_denied, "the chain has no access control: it has no members");
  return e.access->check(sender, acl::scope{acl::scope_kind::sidechain, e.chain}, acl::permission::join);
}

// --- apply ---------------------------------------------------------------------------------------

status authority_state::apply(const address& sender, const ush_group_create_tx& p, const env& e) {
  if (auto st = check(sender, p, e); !st)
    return st;
  group_record g;
  g.id = tagged_hash(hash_tag::ush_group, p.key.view());
  g.name = p.group_name;
  g.key = p.key;
  g.authority = sender;
  g.created = e.height;
  records_.put(key_of(p_group, g.id), encode_group(g));
  bytes nkey{p_number};
  put_be64(nkey, group_scope(g.id).id);
  records_.put(std::move(nkey), bytes(g.id.begin(), g.id.end()));
  set_counter(c_groups, counter(c_groups) + 1);
  return {};
}

status authority_state::apply(const address& sender, const ush_issue_tx& p, const env& e) {
  if (auto st = check(sender, p, e); !st)
    return st;
  auto g = *group(p.group);
  g.issued += p.count;
  records_.put(key_of(p_group, g.id), encode_group(g));
  const auto before = issued_to(p.group, p.member);
  if (before == 0)
    set_counter(c_issue_records, counter(c_issue_records) + 1);
  records_.put(key_of(p_issue, p.group, p.member), be64_value(before + p.count));
  return {};
}

status authority_state::apply(const address& sender, const ush_revoke_tx& p, const env& e) {
  if (auto st = check(sender, p, e); !st)
    return st;
  auto g = *group(p.group);
  g.revoked += p.pseudonyms.size();
  records_.put(key_of(p_group, g.id), encode_group(g));
  for (const auto& id : p.pseudonyms)
    records_.put(key_of(p_revoked, p.group, id), be64_value(e.height));
  set_counter(c_revoked, counter(c_revoked) + p.pseudonyms.size());
  return {};
}

status authority_state::apply(const address& sender, const tagged_transfer_tx& p, const env& e) {
  if (auto st = check(sender, p, e); !st)
    return st;
  const auto expiry = p.since + tag_window;
  records_.put(key_of(p_tag, p.tag), be64_value(expiry));
  bytes ekey{p_expiry};
  put_be64(ekey, expiry);
  append(ekey, p.tag);
  records_.put(std::move(ekey), bytes{});
  set_counter(c_tags, counter(c_tags) + 1);
  return {};
}

status authority_state::apply(const address& sender, const member_record_tx& p, const env& e) {
  if (auto st = check(sender, p, e); !st)
    return st;
  records_.put(key_of(p_member, sender), be64_value(member_records(sender) + 1));
  return {};
}

void authority_state::prune_tags(std::uint64_t height) {
  std::vector<bytes> gone;
  const auto& all = records_.records();
  for (auto it = all.lower_bound(bytes{p_expiry}); it != all.end(); ++it) {
    const auto& k = it->first;
    if (k.size() != 41 || k[0] != p_expiry || get_be64(k.data() + 1) >= height)
      break;
    gone.push_back(k);
  }
  if (gone.empty())
    return;
  for (const auto& k : gone) {
    bytes tkey{p_tag};
    tkey.insert(tkey.end(), k.begin() + 9, k.end());
    records_.put(std::move(tkey), std::nullopt);
    records_.put(k, std::nullopt);
  }
  set_counter(c_tags, counter(c_tags) - gone.size());
}

std::optional<hash256> authority_state::root() const {
  if (records_.empty())
    return std::nullopt;
  return records_.root();
}

result<authority_state> authority_state::restore(std::span<const std::pair<bytes, bytes>> records) {
  authority_state s;
  std::uint64_t groups = 0, issues = 0, revoked = 0, tags = 0, expiries = 0;
  bool counters = false;
  for (const auto& [k, v] : records) {
    if (k.empty())
      return corrupt("an empty key");
    const byte p = k[0];
    if (p == p_group && k.size() == 33) {
      hash256 id;
      std::copy_n(k.begin() + 1, 32, id.begin());
      if (!decode_group(id, v))
        return corrupt("group " + to_hex(id.view()) + " does not decode");
      ++groups;
    } else if (p == p_number && k.size() == 9 && v.size() == 32) {
    } else if (p == p_issue && k.size() == 53 && v.size() == 8) {
      ++issues;
    } else if (p == p_revoked && k.size() == 65 && v.size() == 8) {
      ++revoked;
    } else if (p == p_tag && k.size() == 33 && v.size() == 8) {
      ++tags;
    } else if (p == p_expiry && k.size() == 41 && v.empty()) {
      ++expiries;
    } else if (p == p_member && k.size() == 21 && v.size() == 8) {
    } else if (p == p_counters && k.size() == 1 && v.size() == 8 * c_count) {
      counters = true;
    } else {
      return corrupt("an unknown key 0x" + to_hex(byte_view{k.data(), std::min<std::size_t>(k.size(), 16)}));
    }
    s.records_.load(k, v);
  }
  if (records.empty())
    return s;
  if (!counters || s.counter(c_groups) != groups || s.counter(c_issue_records) != issues
      || s.counter(c_revoked) != revoked || s.counter(c_tags) != tags || tags != expiries)
    return corrupt("the counters disagree with the records");
  return s;
}

} // namespace bfd::authority
