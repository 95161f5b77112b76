<?php
// One static authsource (exampleauth:UserPass) holding the users of identity-users.txt. Each user
// gets uid, mail, displayName, `groups` (short names) and `memberOf` (group DNs, as AD sends them),
// plus two internal attributes the hosted IdP's filters read and then remove: `airgap-mfa` and
// `airgap-state` (metadata/saml20-idp-hosted.php).
$users = ['exampleauth:UserPass'];
$lines = file(__DIR__ . '/identity-users.txt', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
foreach ($lines as $line) {
    if (preg_match('/^\s*(#|$)/', $line)) {
        continue;
    }
    $f = preg_split('/\s+/', trim($line), 6);
    if (count($f) !== 6) {
        throw new \Exception("test IdP: bad line in identity-users.txt: $line");
    }
    [$uid, $password, $groups, $mfa, $state, $name] = $f;
    $attributes = [
        'uid' => [$uid],
        'mail' => ["$uid@airgap.test"],
        'displayName' => [$name],
        'airgap-mfa' => [$mfa],
        'airgap-state' => [$state],
    ];
    if ($groups !== '-') {
        // A user in no group gets no group attribute at all, as most IdPs do.
        $attributes['groups'] = explode(',', $groups);
        $attributes['memberOf'] = array_map(fn ($g) => "cn=$g,ou=groups,dc=airgap,dc=test", $attributes['groups']);
    }
    $users["$uid:$password"] = $attributes;
}

$config = [
    'admin' => ['core:AdminPassword'],
    'airgap-users' => $users,
];
