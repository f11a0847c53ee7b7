// Test helpers for the report writers: a well-formedness check for the XML and HTML they
// write (tags closed in order, attributes quoted, only the five entities), and counting.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace samsa::reports::testing {

// Whether `xml` is one well-formed element tree as far as tags go: every start tag is
// closed in order, attributes are quoted, and no raw '<' or '&' appears in text.
inline bool well_formed(const std::string& xml, std::string* why) {
  std::vector<std::string> open;
  std::size_t i = 0;
  while (i < xml.size()) {
    if (xml.compare(i, 2, "<!") == 0) {  // <!DOCTYPE html>
      i = xml.find('>', i) + 1;
      continue;
    }
    if (xml[i] == '&') {
      const std::size_t semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi == std::string::npos ? 0 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
          entity != "&#39;") {
        *why = "bad entity at " + std::to_string(i);
        return false;
      }
      i = semi + 1;
      continue;
    }
    if (xml[i] != '<') {
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) {
      *why = "unclosed tag at " + std::to_string(i);
      return false;
    }
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0 || tag.find('<') != std::string::npos) {
      *why = "bad attributes in <" + tag + ">";
      return false;
    }
    if (tag.starts_with('/')) {
      if (open.empty() || open.back() != tag.substr(1)) {
        *why = "</" + tag.substr(1) + "> closes " + (open.empty() ? "nothing" : open.back());
        return false;
      }
      open.pop_back();
    } else if (!tag.ends_with('/')) {
      open.push_back(tag.substr(0, tag.find(' ')));
    }
    i = end + 1;
  }
  if (!open.empty()) *why = "<" + open.back() + "> never closed";
  return open.empty();
}

inline std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace samsa::reports::testing
