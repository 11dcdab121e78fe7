// A plugin library that passed the loader's checks. Shared by every component entry and every
// instance made from it, so the library stays mapped while any object from it lives (and, since
// the registry holds one reference for the daemon's lifetime, is never unloaded in production).
#pragma once

#include <ferry/abi.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace ferry::host {

struct LoadedLibrary {
  std::filesystem::path path;
  boost::dll::shared_library library;
  const ferry_plugin_manifest* manifest = nullptr;
  std::string name, version, description;
  uint32_t abi_major = 0, abi_minor = 0;
};

}  // namespace ferry::host
