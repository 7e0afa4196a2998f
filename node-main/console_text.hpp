#pragma once

// Pure text helpers of dkv-console: splitting a command line into words
// (quotes and escapes), parsing words into a command, and writing JSON.
// No CAF, no I/O.

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dkv::console {

/// Splits `line` into words: whitespace separates, "..." and '...' group,
/// backslash escapes the next character outside single quotes. Returns
/// nothing for an unterminated quote or a trailing backslash.
inline std::optional<std::vector<std::string>>
split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        word += c;
    } else if (c == '\\') {
      if (i + 1 >= line.size())
        return std::nullopt;
      word += line[++i];
      in_word = true;
    } else if (quote == '"') {
      if (c == '"')
        quote = 0;
      else
        word += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0)
    return std::nullopt;
  if (in_word)
    words.push_back(std::move(word));
  return words;
}

/// The first blank-separated token of `line`, unquoted: names the command in
/// the error for a line that `split_words` rejects.
inline std::string first_token(const std::string& line) {
  auto first = line.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  auto last = line.find_first_of(" \t\r\n", first);
  return line.substr(first, last == std::string::npos ? last : last - first);
}

/// A command: its name, its positional words and its --name=value options.
struct command {
  std::string op;
  std::vector<std::string> args;
  std::map<std::string, std::string> opts;
};

/// Parses words (the first is the command name) into `out`. A word
/// `--name=value` is an option; a bare `--` makes every later word
/// positional (for a value that starts with "--"). Returns an error message,
/// empty on success. REQUIRES: `words` is not empty.
inline std::string parse_command(const std::vector<std::string>& words,
                                 command& out) {
  out = command{};
  out.op = words.front();
  bool options_done = false;
  for (size_t i = 1; i < words.size(); ++i) {
    auto& w = words[i];
    if (options_done || w.compare(0, 2, "--") != 0) {
      out.args.push_back(w);
      continue;
    }
    if (w == "--") {
      options_done = true;
      continue;
    }
    auto eq = w.find('=');
    if (w == "--force") { // the one flag: leave NODE --force
      out.opts["force"] = "true";
      continue;
    }
    if (eq == std::string::npos || eq == 2)
      return "option " + w + " needs the form --NAME=VALUE";
    out.opts[w.substr(2, eq - 2)] = w.substr(eq + 1);
  }
  return {};
}

/// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid
/// (overlong forms, surrogates and code points above U+10FFFF included, so
/// that strict JSON parsers accept the output).
inline size_t utf8_sequence(const std::string& s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto c = byte(i);
  size_t len = c < 0x80           ? 1
               : (c >> 5) == 0x06 ? 2
               : (c >> 4) == 0x0E ? 3
               : (c >> 3) == 0x1E ? 4
                                  : 0;
  if (len == 0 || i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80)
      return 0;
  uint32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  static constexpr uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/// A JSON string literal for arbitrary bytes: control characters and bytes
/// that are not valid UTF-8 become \u00XX, so the output is always valid
/// JSON (a value's non-UTF-8 bytes read back as the code points 0x80-0xFF).
inline std::string json_string(const std::string& bytes) {
  std::string out = "\"";
  char buf[8];
  for (size_t i = 0; i < bytes.size();) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      ++i;
    } else if (auto len = utf8_sequence(bytes, i); len > 0) {
      out.append(bytes, i, len);
      i += len;
    } else {
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      ++i;
    }
  }
  return out + "\"";
}

/// Builds one JSON object, field by field, in insertion order.
class json_object {
public:
  json_object& raw(const std::string& name, const std::string& json) {
    out_ += (out_.empty() ? "{" : ",") + json_string(name) + ":" + json;
    return *this;
  }
  json_object& str(const std::string& name, const std::string& value) {
    return raw(name, json_string(value));
  }
  json_object& num(const std::string& name, int64_t value) {
    return raw(name, std::to_string(value));
  }
  json_object& boolean(const std::string& name, bool value) {
    return raw(name, value ? "true" : "false");
  }
  json_object& strings(const std::string& name,
                       const std::vector<std::string>& values) {
    std::string arr = "[";
    for (size_t i = 0; i < values.size(); ++i)
      arr += (i > 0 ? "," : "") + json_string(values[i]);
    return raw(name, arr + "]");
  }
  /// An array of objects, one per element, built by `to_object(element)`.
  template <class T, class F>
  json_object& objects(const std::string& name, const std::vector<T>& xs,
                       F to_object) {
    std::string arr = "[";
    for (size_t i = 0; i < xs.size(); ++i)
      arr += (i > 0 ? "," : "") + to_object(xs[i]).str();
    return raw(name, arr + "]");
  }
  std::string str() const { return out_.empty() ? "{}" : out_ + "}"; }

private:
  std::string out_;
};

} // namespace dkv::console
