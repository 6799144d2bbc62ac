// `bfd-cli key new` and `bfd-cli key show`: create and inspect key files.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "tools/bfd-cli/commands.hpp"

namespace bfd::cli {

namespace {

struct key_new_options {
  std::string out;
};

struct key_show_options {
  std::string file;
  bool secret = false;
};

void print_key(const key_pair& keys, bool with_secret) {
  fmt::print("address: {}\n", format_address(address_of(keys.pub)));
  fmt::print("public_key: {}\n", to_hex(keys.pub));
  if (with_secret)
    fmt::print("secret_key: {}\n", to_hex(keys.secret));
}

status run_key_new(const key_new_options& o) {
  std::error_code ec;
  if (std::filesystem::exists(o.out, ec))
    return make_error(errc::invalid_argument,
                      o.out + " already exists; a key file is never overwritten");
  auto keys = runtime::generate_key_pair();
  if (auto st = runtime::write_key_file(o.out, keys); !st)
    return make_error(st.error().code, "cannot write the key file: " + st.error().detail);
  print_key(keys, false);
  fmt::print("key_file: {}\n", o.out);
  return {};
}

status run_key_show(const key_show_options& o) {
  auto keys = runtime::read_key_file(o.file);
  if (!keys)
    return make_error(keys.error().code, "cannot read the key file: " + keys.error().detail);
  print_key(*keys, o.secret);
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
  key_new->callback([new_opts, &outcome] { outcome = to_command_result(run_key_new(*new_opts)); });

  auto show_opts = std::make_shared<key_show_options>();
  auto* key_show = key->add_subcommand("show", "Print a key file's address and public key");
  key_show->add_option("file", show_opts->file, "Key file to read")->type_name("FILE")->required();
  key_show->add_flag("--secret", show_opts->secret, "Also print the secret key");
  key_show->callback([show_opts, &outcome] { outcome = to_command_result(run_key_show(*show_opts)); });
}

} // namespace bfd::cli
