<?php
// SimpleSAMLphp 1.19 (Debian 12 package `simplesamlphp`) as the test SAML 2.0 IdP; see
// docs/dev-services.md. test/services/identity.sh copies this folder to $STATE/idp/config and serves
// /usr/share/simplesamlphp/www with `php -S 127.0.0.1:PORT`. Everything the IdP writes (sessions,
// logs, temp files) stays under $STATE/idp; the values made at start (base URL, salts) are files there.
$idp = dirname(__DIR__);
$read = function (string $name) use ($idp): string {
    $value = @file_get_contents("$idp/$name");
    if ($value === false) {
        throw new \Exception("test IdP: $idp/$name is missing; start it with test/services.sh start --identity");
    }
    return trim($value);
};

$config = [
    'baseurlpath' => $read('baseurl') . '/',
    'certdir' => "$idp/keys/",
    'loggingdir' => "$idp/log/",
    'datadir' => "$idp/data/",
    'tempdir' => "$idp/tmp",
    'metadatadir' => __DIR__ . '/metadata/',
    'attributenamemapdir' => '/etc/simplesamlphp/attributemap/',
    'metadata.sources' => [['type' => 'flatfile', 'directory' => __DIR__ . '/metadata']],

    'technicalcontact_name' => 'Airgap Runner tests',
    'technicalcontact_email' => 'na@example.invalid',
    'timezone' => 'UTC',
    'secretsalt' => $read('secretsalt'),
    'auth.adminpassword' => $read('adminpassword'),
    'admin.protectindexpage' => true,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    'production' => true,
    'showerrors' => true,
    'errorreporting' => false,

    'enable.saml20-idp' => true,
    'enable.shib13-idp' => false,
    'enable.adfs-idp' => false,
    'module.enable' => ['core' => true, 'saml' => true, 'exampleauth' => true, 'admin' => true],

    // The IdP answers on http://127.0.0.1 only; its cookies must work there.
    'session.cookie.secure' => false,
    'session.cookie.samesite' => 'Lax',
    'session.phpsession.savepath' => "$idp/sessions",
    'language.cookie.secure' => false,
    'language.cookie.samesite' => 'Lax',
    'store.type' => 'phpsession',
    'trusted.url.domains' => [],

    'logging.level' => SimpleSAML\Logger::INFO,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'statistics.out' => [],
    'authproc.idp' => [],
    'authproc.sp' => [],
    'metadata.sign.enable' => false,
    'theme.use' => 'default',
    'language.default' => 'en',
    'language.available' => ['en'],
];
