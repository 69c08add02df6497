# bash completion for luamig(1); installed as
# share/bash-completion/completions/luamig. spec/e2e/cli_spec.lua checks
# that it knows every command and option of lua/luamig/cli.lua.

# Revision ids and branch labels of the project in the current directory
# (or -c FILE): read from `luamig history`, which needs no database.
_luamig_revisions() {
  local cfg=() history
  [ -n "$1" ] && cfg=(-c "$1")
  history=$(luamig "${cfg[@]}" history 2>/dev/null) || return 0
  {
    sed -n 's/^\(<base>\|[^>]*\) -> \([^ ,]*\).*/\2/p' <<<"$history"
    sed -n 's/^\(<base>\|[^>]*\) -> [^ ,]* (\([^)]*\)).*/\2/p' <<<"$history" | sed 's/, /\n/g' \
      | grep -v -x -e head -e branchpoint -e mergepoint -e current
  } | sort -u
}

_luamig() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  fi

  local commands="init revision upgrade downgrade current history heads branches show stamp merge check status lint help"
  local global="-c --config --url -x --lock-timeout -j --shard --target --targets --fail-fast -q --quiet --json -h --help --version"

  # the command and the config file named so far
  local cmd="" cfg="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -c|--config) cfg=${words[i+1]}; ((i++)) ;;
      --url|-x|--lock-timeout|-j|--shard|--target|--targets) ((i++)) ;;
      -*) ;;
      *) [ -z "$cmd" ] && cmd=${words[i]} ;;
    esac
  done

  case $prev in
    -c|--config|--targets) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --version-path) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --url|-x|--lock-timeout|-j|--shard|--target|-m|--message|--rev-id|--branch-label|-r|--rev-range) return ;;
    --head|--depends-on)
      COMPREPLY=($(compgen -W "head base $(_luamig_revisions "$cfg")" -- "$cur")); return ;;
  esac

  local opts=""
  case $cmd in
    "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
    init) [[ $cur != -* ]] && { COMPREPLY=($(compgen -d -- "$cur")); return; } ;;
    revision) opts="-m --message --rev-id --branch-label --head --splice --depends-on --version-path --autogenerate" ;;
    upgrade) opts="--sql" ;;
    downgrade) opts="--sql" ;;
    current|branches) opts="-v --verbose" ;;
    heads) opts="-v --verbose --resolve-dependencies" ;;
    history) opts="-v --verbose -r --rev-range -i --indicate-current" ;;
    stamp) opts="--sql --purge" ;;
    merge) opts="-m --message --rev-id --branch-label" ;;
    help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
    return
  fi
  case $cmd in
    upgrade|downgrade|show|stamp|merge|lint)
      local targets="head heads base $(_luamig_revisions "$cfg")"
      [[ $cmd == show ]] && targets+=" current"
      local label extra=""
      for label in $(_luamig_revisions "$cfg"); do
        [[ $label =~ ^[0-9a-f]{12}$ ]] || extra+=" $label@head"
      done
      COMPREPLY=($(compgen -W "$targets$extra" -- "$cur"))
      ;;
  esac
}
complete -F _luamig luamig
