"""An event listener written with supervisor.childutils (Debian's
python3-supervisor). For each event it appends one JSON line to the file
named by argv[1]: the header line rebuilt from the parsed headers (dicts
keep their order), the payload, and for events with data the result of
childutils.eventdata(). It answers OK to everything."""
import json
import sys

from supervisor import childutils


def main():
    path = sys.argv[1]
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        rec = {
            "header": " ".join("%s:%s" % kv for kv in headers.items()),
            "headers": headers,
            "payload": payload,
        }
        if "\n" in payload:
            h, data = childutils.eventdata(payload)
            rec["data_headers"] = h
            rec["data"] = data
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
