#!/bin/sh
echo starting
exec nginx -g "daemon off;"
