# Sourced by scripts/setup.sh and bench/python/setup.sh: the cache root with the
# rule of cacheRoot() in src/cache.ts (tests/cache.test.ts checks they agree).
#   $CNN_CACHE_DIR, else $XDG_CACHE_HOME/cnn-chapter4, else $HOME/.cache/cnn-chapter4;
#   a blank value means unset; printed as an absolute path.
cnn_cache_dir() {
  local explicit="${CNN_CACHE_DIR:-}" xdg="${XDG_CACHE_HOME:-}" dir
  if [[ -n "${explicit//[[:space:]]/}" ]]; then
    dir="$explicit"
  elif [[ -n "${xdg//[[:space:]]/}" ]]; then
    dir="$xdg/cnn-chapter4"
  else
    dir="$HOME/.cache/cnn-chapter4"
  fi
  # -m: the folder need not exist yet; -s: like path.resolve, do not follow symlinks.
  realpath -ms -- "$dir"
}
