{
  "targets": [
    {
      "target_name": "murmur_mmap",
      "sources": ["murmur_mmap.c", "project_int8.c", "ort_run.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-ffp-contract=off", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='win'", { "sources": ["platform_windows.c", "host_napi_windows.c"] }],
        ["OS!='win'", { "sources": ["platform_posix.c"] }],
        ["OS=='linux'", { "libraries": ["-ldl"] }]
      ]
    }
  ]
}
