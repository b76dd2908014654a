{
  "targets": [
    {
      "target_name": "murmur_mmap",
      "sources": ["murmur_mmap.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='win'", { "sources": ["platform_windows.c", "host_napi_windows.c"] }],
        ["OS!='win'", { "sources": ["platform_posix.c"] }]
      ]
    }
  ]
}
