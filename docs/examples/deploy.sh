#!/bin/sh
# Build the directory and publish it to an ordinary web host (rsync over SSH) or to object storage
# (an S3 bucket or any S3-compatible store, behind a CDN or not).
#
#   BASE_URL=https://groups.example.org/ DEST=deploy@web1.example.org:/srv/www/groups/ ./deploy.sh rsync
#   BASE_URL=https://groups.example.org/ BUCKET=s3://groups-example-org ./deploy.sh s3
#
# Run it from the site folder. Needs groupdir; rsync and ssh for "rsync"; the AWS CLI for "s3"
# (for other S3-compatible stores add --endpoint-url to the aws commands, e.g. via AWS_ENDPOINT_URL).
set -eu

mode=${1:?usage: deploy.sh rsync|s3}
: "${BASE_URL:?set BASE_URL to the address the site is served from, ending with /}"
out=${OUT:-output}

# check first: the build refuses to write on errors, but the check prints every problem at once
groupdir check --strict
groupdir build --base-url "$BASE_URL" --output "$out"

case $mode in
rsync)
    : "${DEST:?set DEST, e.g. user@host:/srv/www/groups/}"
    # --checksum: compare contents, not times (every build rewrites its files);
    # --delete: remove pages of groups that no longer exist; --delay-updates: switch over at the end.
    rsync --recursive --checksum --delete --delay-updates --compress --human-readable --itemize-changes \
        "$out/" "$DEST"
    ;;
s3)
    : "${BUCKET:?set BUCKET, e.g. s3://groups-example-org}"
    # 1. Theme files under /static/. Pages refer to them as /static/css/site.css?v=<digest of the file>,
    #    so a changed file gets a new address: browsers and CDNs may keep them for a year without asking.
    #    (A CDN in front must include the query string in its cache key, or be purged after a deploy.)
    aws s3 sync "$out/static/" "$BUCKET/static/" --delete \
        --cache-control "public, max-age=31536000, immutable"
    # 2. Everything else (HTML, feeds, sitemap, search index) keeps its address when it changes:
    #    a short lifetime, so that an update shows within minutes.
    aws s3 sync "$out/" "$BUCKET/" --delete --exclude "static/*" \
        --cache-control "public, max-age=300, must-revalidate"
    # Optional, with CloudFront in front: make the new HTML visible at once.
    # aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths "/*"
    ;;
*)
    echo "usage: deploy.sh rsync|s3" >&2
    exit 2
    ;;
esac
