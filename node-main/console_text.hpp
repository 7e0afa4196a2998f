#pragma once

// Pure text helpers of dkv-console: splitting a command line into words
// (quotes and escapes) and writing JSON. No CAF, no I/O.

#include <cstdint>
#include <cstdio>
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

/// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid.
inline size_t utf8_sequence(const std::string& s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto c = byte(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                                              : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80)
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
  std::string str() const {
    return out_.empty() ? "{}" : out_ + "}";
  }

private:
  std::string out_;
};

} // namespace dkv::console
