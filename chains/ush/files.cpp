#include "chains/ush/files.hpp"

#include "chains/core/hex.hpp"

namespace bfd::ush {

namespace {

constexpr std::string_view group_magic = "bfd-ush-group 1";
constexpr std::string_view credential_magic = "bfd-ush-credentials 1";

/// Splits `text` into lines; every line ends with '\n' (the last too).
result<std::vector<std::string_view>> lines_of(std::string_view text, std::size_t max_lines) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos)
      return make_error(errc::malformed, "the last line does not end with a newline");
    if (out.size() == max_lines)
      return make_error(errc::too_large, "more than " + std::to_string(max_lines) + " lines");
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return out;
}

/// The value of a line "<key> <value>".
result<std::string_view> field(std::string_view line, std::string_view key, std::size_t line_no) {
  if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ' ')
    return make_error(errc::malformed, "line " + std::to_string(line_no) + ": expected '" + std::string(key) + " …'");
  return line.substr(key.size() + 1);
}

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return false;
  return true;
}

} // namespace

std::string encode_group_file(const group_file& g) {
  return std::string(group_magic) + "\nname " + g.name + "\nsecret " + to_hex(g.keys.secret.view()) + "\n";
}

result<group_file> decode_group_file(std::string_view text) {
  if (text.size() > max_group_file)
    return make_error(errc::too_large, "a group file is at most " + std::to_string(max_group_file) + " bytes");
  auto lines = lines_of(text, 3);
  if (!lines)
    return lines.error();
  if (lines->size() != 3 || (*lines)[0] != group_magic)
    return make_error(errc::malformed, "not a bfd-ush-group 1 file (three lines: header, name, secret)");
  auto name = field((*lines)[1], "name", 2);
  if (!name)
    return name.error();
  if (name->empty() || name->size() > 64 || !printable(*name))
    return make_error(errc::invalid_argument, "line 2: a group name is 1 to 64 printable bytes");
  auto secret_hex = field((*lines)[2], "secret", 3);
  if (!secret_hex)
    return secret_hex.error();
  auto secret = fixed_from_hex<32>(*secret_hex);
  if (!secret)
    return make_error(errc::malformed, "line 3: the secret is 32 bytes of hex");
  auto keys = group_from_secret(*secret);
  if (!keys)
    return keys.error();
  return group_file{std::string(*name), *keys};
}

std::string encode_credential_file(const std::vector<credential>& batch) {
  std::string out(credential_magic);
  out += "\n";
  if (!batch.empty()) {
    out += "group " + to_hex(group_public{batch.front().group_key}.id().view()) + "\n";
    for (const auto& c : batch) {
      const auto b = encode_credential(c);
      out += "credential " + to_hex(byte_view{b.data(), b.size()}) + "\n";
    }
  }
  return out;
}

result<std::vector<credential>> decode_credential_file(std::string_view text) {
  if (text.size() > max_credential_file)
    return make_error(errc::too_large, "a credential file is at most " + std::to_string(max_credential_file) + " bytes");
  auto lines = lines_of(text, max_file_credentials + 2);
  if (!lines)
    return lines.error();
  if (lines->empty() || (*lines)[0] != credential_magic)
    return make_error(errc::malformed, "not a bfd-ush-credentials 1 file");
  std::vector<credential> out;
  if (lines->size() == 1)
    return out;
  auto group_hex = field((*lines)[1], "group", 2);
  if (!group_hex)
    return group_hex.error();
  auto group = fixed_from_hex<32>(*group_hex);
  if (!group)
    return make_error(errc::malformed, "line 2: the group id is 32 bytes of hex");
  out.reserve(lines->size() - 2);
  for (std::size_t i = 2; i < lines->size(); ++i) {
    auto hex = field((*lines)[i], "credential", i + 1);
    if (!hex)
      return hex.error();
    if (hex->size() != 2 * credential_size)
      return make_error(errc::malformed, "line " + std::to_string(i + 1) + ": a credential is "
                                           + std::to_string(credential_size) + " bytes of hex");
    auto raw = from_hex(*hex);
    if (!raw)
      return make_error(errc::malformed, "line " + std::to_string(i + 1) + ": not hex");
    auto c = decode_verified_credential(byte_view{raw->data(), raw->size()});
    if (!c)
      return make_error(c.error().code, "line " + std::to_string(i + 1) + ": " + c.error().detail);
    if (group_public{c->group_key}.id() != *group)
      return make_error(errc::ush_bad_credential, "line " + std::to_string(i + 1) + ": a credential of another group");
    out.push_back(*c);
  }
  if (out.empty())
    return make_error(errc::malformed, "a group line without credentials");
  return out;
}

} // namespace bfd::ush
