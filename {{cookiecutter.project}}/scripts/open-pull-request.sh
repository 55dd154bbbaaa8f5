#!/usr/bin/env bash
# Open the pull request that `make propose` prepared in $1 (files branch, title, body.md), or update the
# one already open for that branch; say so and stop when nothing was proposed.
#
# Needs gh and GH_TOKEN. In the retrain workflow that is the retrain GitHub App's token: a pull request
# opened with GITHUB_TOKEN starts no workflow, so CI would never check it and the main ruleset's required
# checks would never pass.
set -euo pipefail

dir="${1:?usage: open-pull-request.sh DIRECTORY}"
if [[ ! -f "$dir/branch" ]]; then
    echo "open-pull-request: nothing proposed"
    exit 0
fi
branch="$(cat "$dir/branch")"
title="$(cat "$dir/title")"
# --head matches the branch name in forks too (cli/cli#10945): a fork's pull request from a branch of the
# same name must never get this proposal's title and body, so only this repository's own count.
number="$(gh pr list --head "$branch" --state open --json number,isCrossRepository \
    --jq '[.[] | select(.isCrossRepository == false)][0].number // empty')"
if [[ -n "$number" ]]; then
    gh pr edit "$number" --title "$title" --body-file "$dir/body.md"
    echo "open-pull-request: updated #$number for $branch"
else
    gh pr create --head "$branch" --title "$title" --body-file "$dir/body.md"
fi
