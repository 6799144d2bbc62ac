// `bfd-cli key new`, `key show` and `key sign-read`: create and inspect key files, print the public
// part of a delegate key that a topology file carries, and sign a protected read for curl.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

/// What `--delegate` fills into the printed [[delegates]] entry (empty: left for the user).
struct delegate_entry_options {
  bool delegate = false;
  std::string node;
  std::string category;
  std::string bid;
};

struct key_new_options {
  std::string out;
  delegate_entry_options entry;
};

struct key_show_options {
  std::string file;
  bool secret = false;
  delegate_entry_options entry;
  std::uint32_t chain = 0;  ///< with --delegate: print the validator entry for this sidechain
};

/// A TOML basic string.
std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

/// The [[delegates]] entry of a delegate key for a topology file: its public key and the tip of
/// the hash chain derived from its secret (never the secret).
void print_delegate_entry(const key_pair& keys, const std::string& key_file, const delegate_entry_options& o) {
  const auto chain = runtime::delegate_hash_chain(keys);
  fmt::print("# Delegate {} (key file {}).\n", format_address(address_of(keys.pub)), key_file);
  fmt::print("# Paste into the topology file of every node (docs/topology.md); copy the key file only to\n"
             "# the node that runs this delegate.\n");
  fmt::print("[[delegates]]\n");
  auto line = [](const char* key, const std::string& value, const char* what) {
    if (value.empty())
      fmt::print("# {} = \"...\"   # {}\n", key, what);
    else
      fmt::print("{} = {}\n", key, toml_string(value));
  };
  line("node", o.node, "required: the node that runs this delegate (--node)");
  line("category", o.category, "a category of [network.genesis] (--category); not with a genesis_file");
  line("bid", o.bid, "BFDT locked at genesis, at least min_bid (--bid); not with a genesis_file");
  fmt::print("key_file = {}   # relative to the topology file's directory\n", toml_string(key_file));
  fmt::print("public_key = \"{}\"\n", to_hex(keys.pub));
  fmt::print("hash_chain_tip = \"{}\"\n", to_hex(chain->tip()));
}

void print_key(const key_pair& keys, bool with_secret) {
  fmt::print("address: {}\n", format_address(address_of(keys.pub)));
  fmt::print("public_key: {}\n", to_hex(keys.pub));
  if (with_secret)
    fmt::print("secret_key: {}\n", to_hex(keys.secret));
}

/// The entry's fields are checked before anything is written.
status check_entry(const delegate_entry_options& o) {
  if (o.bid.empty())
    return {};
  if (auto bid = parse_amount(o.bid); !bid)
    return make_error(bid.error().code, "--bid: " + bid.error().detail);
  return {};
}

status run_key_new(const key_new_options& o) {
  if (auto st = check_entry(o.entry); !st)
    return st;
  std::error_code ec;
  if (std::filesystem::exists(o.out, ec))
    return make_error(errc::invalid_argument,
                      o.out + " already exists; a key file is never overwritten");
  auto keys = runtime::generate_key_pair();
  if (auto st = runtime::write_key_file(o.out, keys); !st)
    return make_error(st.error().code, "cannot write the key file: " + st.error().detail);
  if (o.entry.delegate) {
    print_delegate_entry(keys, o.out, o.entry);
    return {};
  }
  print_key(keys, false);
  fmt::print("key_file: {}\n", o.out);
  return {};
}

status run_key_show(const key_show_options& o) {
  if (auto st = check_entry(o.entry); !st)
    return st;
  auto keys = runtime::read_key_file(o.file);
  if (!keys)
    return make_error(keys.error().code, "cannot read the key file: " + keys.error().detail);
  if (o.entry.delegate && o.chain > mainchain_id) {
    // A sidechain validator reveals from a hash chain of its own for that chain (docs/chains.md).
    const auto chain = runtime::delegate_hash_chain(*keys, runtime::delegate_hash_chain_length, o.chain);
    fmt::print("# Validator entry for chain {} (key file {}), for its [[chains]] 'validators' (docs/topology.md).\n",
               o.chain, o.file);
    fmt::print("{{ public_key = \"{}\", hash_chain_tip = \"{}\" }},\n", to_hex(keys->pub), to_hex(chain->tip()));
  } else if (o.entry.delegate)
    print_delegate_entry(*keys, o.file, o.entry);
  else
    print_key(*keys, o.secret);
  return {};
}

/// Adds --delegate and the entry fields it may fill.
CLI::Option* add_delegate_options(CLI::App& command, delegate_entry_options& o, const char* what) {
  auto* flag = command.add_flag("--delegate", o.delegate, what);
  command.add_option("--node", o.node, "With --delegate: the node that runs the delegate, written into the entry")
    ->type_name("NAME")
    ->needs(flag);
  command.add_option("--category", o.category, "With --delegate: its category, written into the entry")
    ->type_name("NAME")
    ->needs(flag);
  command.add_option("--bid", o.bid, "With --delegate: its genesis bid (\"100\" BFDT or \"1500u\"), written into "
                                     "the entry")
    ->type_name("AMOUNT")
    ->needs(flag);
  return flag;
}

struct sign_read_options {
  std::string key_file;
  std::string target;
  std::string chain_text = "1";
  std::optional<std::string> time_text;
};

// The headers of a signed read for any HTTP client (curl -H …), one "Name: value" a line.
command_result run_sign_read(const sign_read_options& o) {
  auto chain = parse_uint("--chain", o.chain_text, 0xffffffffu);
  if (!chain)
    return to_command_result(chain.error());
  if (*chain == 0)
    return command_failure("invalid_argument", "--chain: a chain id is at least 1");
  if (o.target.empty() || o.target[0] != '/')
    return command_failure("invalid_argument", "the request target is a path starting with '/' (and its query)");
  std::uint64_t time_ms = wall_clock_ms();
  if (o.time_text) {
    auto t = parse_uint("--time", *o.time_text, UINT64_MAX);
    if (!t)
      return to_command_result(t.error());
    time_ms = *t;
  }
  auto headers = signed_read_headers(o.key_file, static_cast<chain_id>(*chain), o.target, time_ms);
  if (auto* failed = std::get_if<command_result>(&headers))
    return *failed;
  for (const auto& [name, value] : std::get<header_list>(headers))
    fmt::print("{}: {}\n", name, value);
  return {};
}

} // namespace

void add_key_commands(CLI::App& app, std::optional<command_result>& outcome) {
  auto* key = app.add_subcommand("key", "Create and inspect key files");

  auto new_opts = std::make_shared<key_new_options>();
  auto* key_new = key->add_subcommand("new", "Generate a key pair from OS randomness and write it "
                                             "to a new key file (mode 0600)");
  key_new->add_option("--out", new_opts->out, "Key file to create; an existing file is never "
                                              "overwritten")
    ->type_name("FILE")
    ->required();
  add_delegate_options(*key_new, new_opts->entry,
                       "A delegate key: print its [[delegates]] entry for a topology file (public_key, "
                       "hash_chain_tip) instead of the address");
  key_new->callback([new_opts, &outcome] { outcome = to_command_result(run_key_new(*new_opts)); });

  auto show_opts = std::make_shared<key_show_options>();
  auto* key_show = key->add_subcommand("show", "Print a key file's address and public key, or with --delegate "
                                               "its [[delegates]] entry");
  key_show->add_option("file", show_opts->file, "Key file to read")->type_name("FILE")->required();
  auto* secret = key_show->add_flag("--secret", show_opts->secret, "Also print the secret key");
  add_delegate_options(*key_show, show_opts->entry,
                       "Print the key's [[delegates]] entry for a topology file (public_key, hash_chain_tip), "
                       "never the secret")
    ->excludes(secret);
  key_show->add_option("--chain", show_opts->chain, "With --delegate: print the key's validator entry for sidechain "
                                                    "ID (its hash-chain tip on that chain) instead")
    ->type_name("ID")
    ->check(CLI::Range(2u, 0xffffffffu))
    ->needs("--delegate");
  key_show->callback([show_opts, &outcome] { outcome = to_command_result(run_key_show(*show_opts)); });

  auto sr = std::make_shared<sign_read_options>();
  auto* sign_read = key->add_subcommand("sign-read", "Print the X-Bfd-* headers of a signed GET (a protected read, "
                                                     "docs/formats.md §15a) for another HTTP client, e.g. curl -H");
  sign_read->add_option("target", sr->target, "The request target: path and query, e.g. /v1/chains/7/contracts/ADDR/state")
    ->type_name("PATH")
    ->required();
  sign_read->add_option("--key", sr->key_file, "Key file of the caller")->type_name("FILE")->required();
  sign_read->add_option("--chain", sr->chain_text, "The chain the read is for (its id)")->type_name("ID")
    ->capture_default_str();
  sign_read->add_option("--time", sr->time_text, "The timestamp to sign, ms since the Unix epoch (default: now; the "
                                                 "node accepts 60 s either side of its clock)")
    ->type_name("MS");
  sign_read->callback([sr, &outcome] { outcome = run_sign_read(*sr); });
}

} // namespace bfd::cli
