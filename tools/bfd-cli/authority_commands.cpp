// `bfd-cli authority group-new|issue|revoke|tagged-transfer`: the credential authority of the
// membership proofs (docs/membership-proofs.md). The group secret stays in the authority's group
// file (mode 0600); the chain holds the group's public key, the issuance records and the
// revocation list; credentials are delivered as a credential file (mode 0600).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chains/access/access_types.hpp"
#include "chains/authority/authority_state.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/ush/files.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct authority_tx_options : tx_options {
  authority_tx_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "60";
  }
};

struct group_new_options : authority_tx_options {
  std::string name;
  std::string out;
};

struct issue_options : authority_tx_options {
  std::string group_file;
  std::string member;
  std::string count_text = "16";
  std::string out;
};

struct revoke_options : authority_tx_options {
  std::string group_id;
  std::vector<std::string> pseudonyms;
};

struct tagged_options : authority_tx_options {
  std::string to, amount_text, tag, since_text;
};

struct record_options : authority_tx_options {
  std::string data;
};

command_result fail_on(const error& e, const std::string& option) {
  return to_command_result(make_error(e.code, option + ": " + e.detail));
}

result<std::string> read_text(const std::string& path, std::size_t max) {
  auto b = read_bounded_file(path, max);
  if (!b)
    return b.error();
  return std::string(b->begin(), b->end());
}

command_result run_group_new(const group_new_options& o) {
  if (o.name.empty() || o.name.size() > authority::max_group_name)
    return command_failure("invalid_argument", "--name: 1 to 64 printable bytes");
  runtime::os_random rng;
  ush::group_file g{o.name, ush::new_group(rng)};
  // The secret is on disk (0600) before the group exists on chain: a crash cannot leave a group
  // nobody can issue for.
  if (auto st = runtime::write_private_file(o.out, ush::encode_group_file(g), runtime::existing_file::refuse); !st)
    return fail_on(st.error(), "--out");
  const auto id = g.keys.pub.id();
  // With --offline stdout holds only the signed hex: the group's lines go to stderr.
  fmt::print(o.offline ? stderr : stdout, "group: {}\nscope: {}\nkey: {}\nfile: {}\n", to_hex(id.view()),
             acl::scope_text(authority::group_scope(id)), to_hex(g.keys.pub.key.view()), o.out);
  std::fflush(stdout);
  return sign_and_submit(o, ush_group_create_tx{o.name, g.keys.pub.key}, "authority group-new");
}

command_result run_issue(const issue_options& o) {
  auto text = read_text(o.group_file, ush::max_group_file);
  if (!text)
    return fail_on(text.error(), "--group");
  auto g = ush::decode_group_file(*text);
  if (!g)
    return fail_on(g.error(), "--group " + o.group_file);
  auto member = parse_address(o.member);
  if (!member)
    return fail_on(member.error(), "--member");
  auto count = parse_uint("--count", o.count_text, authority::max_issue_count);
  if (!count)
    return to_command_result(count.error());
  if (*count == 0)
    return command_failure("ush_batch_size", "--count: 1 to 256 credentials");
  // Refuse an existing output before anything goes on chain.
  if (auto probe = read_bounded_file(o.out, 1); probe || probe.error().code == errc::invalid_argument)
    return command_failure("io", "--out: " + o.out + " exists; credentials are never written over");
  const auto id = g->keys.pub.id();
  // The membership check is the chain's: the issuance record is refused unless the member holds
  // `join` on the group's scope, and credentials are made only once it is final.
  auto done = sign_and_submit(o, ush_issue_tx{id, *member, *count}, "authority issue");
  if (!done.ok())
    return done;
  runtime::os_random rng;
  auto batch = ush::issue_batch(g->keys, *count, rng);
  if (!batch)
    return to_command_result(batch.error());
  if (auto st = runtime::write_private_file(o.out, ush::encode_credential_file(*batch), runtime::existing_file::refuse); !st)
    return fail_on(st.error(), "--out");
  fmt::print("issued: {} credentials of group {} to {}\ncredentials: {}\n", *count, to_hex(id.view()),
             format_address(*member), o.out);
  return {};
}

command_result run_revoke(const revoke_options& o) {
  auto id = fixed_from_hex<32>(o.group_id);
  if (!id)
    return fail_on(id.error(), "--group-id");
  ush_revoke_tx p;
  p.group = *id;
  for (const auto& text : o.pseudonyms) {
    auto ps = fixed_from_hex<32>(text);
    if (!ps)
      return fail_on(ps.error(), "--pseudonym");
    p.pseudonyms.push_back(*ps);
  }
  if (p.pseudonyms.empty() || p.pseudonyms.size() > authority::max_revocations_per_tx)
    return command_failure("invalid_argument", "--pseudonym: 1 to 64 of them");
  return sign_and_submit(o, std::move(p), "authority revoke");
}

command_result run_tagged(const tagged_options& o) {
  auto to = parse_address(o.to);
  if (!to)
    return fail_on(to.error(), "--to");
  auto value = parse_amount(o.amount_text);
  if (!value)
    return fail_on(value.error(), "--amount");
  auto tag = fixed_from_hex<32>(o.tag);
  if (!tag)
    return fail_on(tag.error(), "--tag");
  auto since = parse_uint("--since", o.since_text, UINT64_MAX);
  if (!since)
    return to_command_result(since.error());
  return sign_and_submit(o, tagged_transfer_tx{*to, *value, *tag, *since}, "tagged transfer");
}

command_result run_record(const record_options& o) {
  auto d = from_hex(o.data);
  if (!d)
    return fail_on(d.error(), "--data");
  if (d->empty() || d->size() > authority::max_record_bytes)
    return command_failure("invalid_argument", "--data: 1 to 256 bytes of hex");
  return sign_and_submit(o, member_record_tx{std::move(*d)}, "member record");
}

} // namespace

void add_authority_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* au = app.add_subcommand("authority", "The credential authority of the membership proofs: groups, issuance, "
                                             "revocation, tagged transfers (docs/membership-proofs.md)");
  au->require_subcommand(1);

  auto gn = std::make_shared<group_new_options>();
  auto* c = au->add_subcommand("group-new", "Make a group: write its secret to a new group file (mode 0600) and "
                                            "record its name and public key on the chain (ush_group_create)");
  c->add_option("--name", gn->name, "The group's name (1-64 bytes), e.g. \"over 21\"")->required();
  c->add_option("--out", gn->out, "The new group file (never overwritten)")->type_name("FILE")->required();
  add_tx_options(*c, *gn, "Key file of the authority (the group's owner on chain)");
  add_network_options(*c, net);
  c->callback([gn, &outcome, &net] {
    gn->net = net;
    outcome = run_group_new(*gn);
  });

  auto is = std::make_shared<issue_options>();
  c = au->add_subcommand("issue", "Record an issuance to a member (refused unless it holds join on the group's "
                                  "scope), then write its batch of one-time credentials to a new file (mode 0600)");
  c->add_option("--group", is->group_file, "The authority's group file")->type_name("FILE")->required();
  c->add_option("--member", is->member, "The member's address (bfd…)")->required();
  c->add_option("--count", is->count_text, "Credentials in the batch (1-256)")->capture_default_str();
  c->add_option("--out", is->out, "The new credential file for the member (never overwritten)")
    ->type_name("FILE")
    ->required();
  // Credentials are made only once the issuance is final: no --offline.
  add_tx_options(*c, *is, "Key file of the group's authority", offline_signing::refused);
  add_network_options(*c, net);
  c->callback([is, &outcome, &net] {
    is->net = net;
    is->no_wait = false;  // credentials are made only after the record is final
    outcome = run_issue(*is);
  });

  auto rv = std::make_shared<revoke_options>();
  c = au->add_subcommand("revoke", "Put pseudonyms on the group's revocation list (ush_revoke)");
  c->add_option("--group-id", rv->group_id, "The group's id (hex)")->required();
  c->add_option("--pseudonym", rv->pseudonyms, "A pseudonym to revoke (hex; repeat, at most 64)")->required();
  add_tx_options(*c, *rv, "Key file of the group's authority");
  add_network_options(*c, net);
  c->callback([rv, &outcome, &net] {
    rv->net = net;
    outcome = run_revoke(*rv);
  });

  auto mr = std::make_shared<record_options>();
  c = au->add_subcommand("member-record", "Record service-usage data on a consortium chain (member_record; refused "
                                          "unless the sender holds join on the chain)");
  c->add_option("--data", mr->data, "1-256 bytes of hex")->required();
  add_tx_options(*c, *mr, "Key file of the member");
  add_network_options(*c, net);
  c->callback([mr, &outcome, &net] {
    mr->net = net;
    outcome = run_record(*mr);
  });

  auto tt = std::make_shared<tagged_options>();
  c = au->add_subcommand("tagged-transfer", "Sign and submit a transfer carrying a payment tag (tagged_transfer), "
                                            "for a handshake made elsewhere");
  c->add_option("--to", tt->to, "The payee's address")->required();
  c->add_option("--amount", tt->amount_text, "Amount of the chain's token")->required();
  c->add_option("--tag", tt->tag, "The handshake's payment tag (hex)")->required();
  c->add_option("--since", tt->since_text, "The height the handshake completed at (the tag is valid to since + 1000)")
    ->required();
  add_tx_options(*c, *tt, "Key file of the payer");
  add_network_options(*c, net);
  c->callback([tt, &outcome, &net] {
    tt->net = net;
    outcome = run_tagged(*tt);
  });
}

} // namespace bfd::cli
