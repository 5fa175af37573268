#!/bin/sh
# A post-renderer for the tests: adds the label post-rendered=yes to every
# document's metadata (stdin in, stdout out, as Helm runs post-renderers).
sed 's/^metadata:$/metadata:\n  labels:\n    post-rendered: "yes"/'
