#!/usr/bin/env python3
"""Write a synthetic sign-in export: N Graph beta signIn events as JSON lines (about 1 KB each).

Field names follow https://learn.microsoft.com/graph/api/resources/signin?view=graph-rest-beta.
Everything is made up from a fixed seed; no real tenant data. The counts by code are written
next to the file (FILE.counts.json) so a run can check the tool's totals.

Usage: bench/gen_signins.py OUT.jsonl [--events N] [--seed S]
"""
import argparse
import json
import random
import sys
import zlib
from datetime import datetime, timedelta, timezone

CODES = [  # (code, weight, failure reason)
    (0, 700, None),
    (50126, 60, "Error validating credentials due to invalid username or password."),
    (50140, 50, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."),
    (50074, 30, "Strong Authentication is required."),
    (53003, 25, "Access has been blocked by Conditional Access policies."),
    (50076, 20, "Due to a configuration change made by your administrator, you must use multi-factor authentication."),
    (7000222, 15, "The provided client secret keys are expired."),
    (700016, 10, "Application not found in the directory."),
    (65001, 8, "The user or administrator has not consented to use the application."),
    (50058, 20, "Session information is not sufficient for single-sign-on."),
    (70016, 12, "Authorization pending."),
    (50053, 10, "Account is locked."),
    (90072, 5, "User account does not exist in tenant and cannot access the application."),
    (50158, 5, "External security challenge not satisfied."),
    (530003, 5, "Your device is required to be managed to access this resource."),
]
APPS = [("Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c"), ("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
        ("Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"), ("Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4"),
        ("Payroll API client", "11111111-2222-3333-4444-555555555555"), ("Azure CLI", "04b07795-8ddb-461a-bbee-02f9e1bf7b46")]
CLIENTS = ["Browser", "Mobile Apps and Desktop clients", "Exchange ActiveSync", "Other clients"]
RESOURCES = [("Microsoft Graph", "00000003-0000-0000-c000-000000000000"), ("Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000"),
             ("Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013")]
PLACES = [("Oslo", "Oslo", "NO"), ("Seattle", "Washington", "US"), ("London", "England", "GB"), ("Mumbai", "Maharashtra", "IN"), ("Sydney", "New South Wales", "AU")]
POLICIES = [("0b5c8a3e-1f2d-4e6a-9b7c-1a2b3c4d5e6f", "Require MFA for admins"), ("7d4e2f1a-3b5c-4d6e-8f9a-0b1c2d3e4f5a", "Block legacy authentication"),
            ("a1b2c3d4-e5f6-4a5b-8c7d-9e0f1a2b3c4d", "Require compliant device")]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    codes = [c for c, w, _ in CODES for _ in range(w)]
    reasons = {c: r for c, _, r in CODES}
    users = [f"user{i:05d}@contoso.example" for i in range(5000)]
    end = datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
    span = timedelta(days=7).total_seconds()
    counts: dict = {}
    uid = lambda: "%08x-%04x-4%03x-a%03x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12),
                                                    rnd.getrandbits(12), rnd.getrandbits(48))
    user_ids = {u: "%032x" % (zlib.crc32(u.encode()) * 0x9E3779B97F4A7C15 % (1 << 128)) for u in users}
    dumps = json.dumps
    with open(a.out, "w", encoding="utf-8") as f:
        out = []
        for i in range(a.events):
            # Graph lists newest first.
            t = end - timedelta(seconds=span * i / a.events)
            code = rnd.choice(codes)
            # 7000222 only in the last hour: something "started".
            if code == 7000222 and (end - t).total_seconds() > 3600:
                code = 50126
            counts[code] = counts.get(code, 0) + 1
            app, app_id = rnd.choice(APPS)
            city, state, country = rnd.choice(PLACES)
            res, res_id = rnd.choice(RESOURCES)
            upn = rnd.choice(users)
            failed_policy = code == 53003
            first = rnd.randrange(2)
            pols = ",".join(
                '{"id":"%s","displayName":"%s","result":"%s"}' % (pid, name, "failure" if failed_policy and j == 1 else "notApplied")
                for j, (pid, name) in enumerate(POLICIES[first:first + 2]))
            uidv = user_ids[upn]
            out.append(
                '{"id":"%s","createdDateTime":"%s","userDisplayName":"%s","userPrincipalName":"%s",'
                '"userId":"%s-%s-%s-%s-%s","appId":"%s","appDisplayName":"%s","ipAddress":"203.0.%d.%d",'
                '"clientAppUsed":"%s","correlationId":"%s","conditionalAccessStatus":"%s","isInteractive":true,'
                '"riskState":"none","resourceDisplayName":"%s","resourceId":"%s",'
                '"status":{"errorCode":%d,"failureReason":%s},'
                '"deviceDetail":{"operatingSystem":"Windows10","browser":"Edge 120.0.0","isCompliant":false},'
                '"location":{"city":"%s","state":"%s","countryOrRegion":"%s"},'
                '"appliedConditionalAccessPolicies":[%s]}\n' % (
                    uid(), t.strftime("%Y-%m-%dT%H:%M:%SZ"), upn.split("@")[0], upn,
                    uidv[:8], uidv[8:12], uidv[12:16], uidv[16:20], uidv[20:32], app_id, app,
                    rnd.randrange(114), rnd.randrange(1, 255), rnd.choice(CLIENTS), uid(),
                    "failure" if failed_policy else "success", res, res_id, code,
                    dumps(reasons[code] or "Other."), city, state, country, pols))
            if len(out) >= 10000:
                f.write("".join(out))
                out.clear()
        f.write("".join(out))
    with open(a.out + ".counts.json", "w", encoding="utf-8") as f:
        json.dump({str(k): v for k, v in sorted(counts.items())}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
