<?php
// What a PHP team adds to a client generated from spec/aurpay.yaml by
// openapi-generator (php): the signer (the spec's Authentication section)
// and the exact-amounts reader (its "Exact amounts" section), both as
// Guzzle middleware, and the callback verifier.
//
//   $stack = \GuzzleHttp\HandlerStack::create();
//   $stack->push(aurpay_exact_amounts());                       // amounts as strings, every digit
//   $stack->push(aurpay_signer('HMAC-SHA256', $apiSecret));     // with setApiKey('API-Token', $token)
//   $api = new \Aurpay\Client\Api\OrderApi(new \GuzzleHttp\Client(['handler' => $stack]), $config);

declare(strict_types=1);

use Psr\Http\Message\RequestInterface;
use Psr\Http\Message\ResponseInterface;

const AURPAY_HASHES = ['HMAC-SHA256' => 'sha256', 'HMAC-SHA3_256' => 'sha3-256'];

function aurpay_body_md5(?string $body): ?string
{
    return ($body === null || $body === '') ? null : md5($body);
}

function aurpay_string_to_sign(string $algorithm, string $date, string $method, string $pathAndQuery, ?string $md5): string
{
    $text = "$algorithm | $date | " . strtoupper($method) . " $pathAndQuery";
    return $md5 === null ? $text : "$text | $md5";
}

function aurpay_signature(string $algorithm, string $secret, string $message): string
{
    return base64_encode(hash_hmac(AURPAY_HASHES[$algorithm], $message, $secret, true));
}

/** Guzzle middleware: Algorithm, Date, Body-MD5 and Signature over the exact bytes sent. */
function aurpay_signer(string $algorithm, string $secret): callable
{
    return \GuzzleHttp\Middleware::mapRequest(function (RequestInterface $request) use ($algorithm, $secret) {
        $body = (string) $request->getBody();
        $uri = $request->getUri();
        $pathAndQuery = $uri->getPath() . ($uri->getQuery() === '' ? '' : '?' . $uri->getQuery());
        // Whole seconds, as the docs show it (the text is signed as sent).
        $date = gmdate('Y-m-d\TH:i:s\Z');
        $md5 = aurpay_body_md5($body);
        $request = $request
            ->withHeader('Algorithm', $algorithm)
            ->withHeader('Date', $date)
            ->withHeader('Signature', aurpay_signature($algorithm, $secret, aurpay_string_to_sign($algorithm, $date, $request->getMethod(), $pathAndQuery, $md5)));
        return $md5 === null ? $request : $request->withHeader('Body-MD5', $md5);
    });
}

/**
 * Member names whose number values are amounts: the spec's `x-aurpay-decimal`
 * properties (the check compares this with the spec).
 */
const AURPAY_DECIMAL_NAMES = ['amount', 'balance', 'fee', 'obtained', 'refund_amount', 'vs_price'];

/**
 * The spec's "Exact amounts" rule: the JSON text with every number that has
 * a fraction or an exponent, and every number that is the value of a member
 * named in AURPAY_DECIMAL_NAMES (whole numbers included), turned into a
 * string of the same characters; and those numbers. json_decode reads
 * numbers as floats or ints. Not a validator: invalid JSON stays invalid.
 *
 * @return array{0: string, 1: list<string>}
 */
function aurpay_quote_decimals(string $text): array
{
    $out = '';
    $decimals = [];
    $n = strlen($text);
    // The last string token (a member name if ':' follows), and the name
    // whose value comes next.
    $lastString = null;
    $member = null;
    for ($i = 0; $i < $n;) {
        $c = $text[$i];
        if ($c === '"') {
            $j = $i + 1;
            while ($j < $n && $text[$j] !== '"') {
                $j += $text[$j] === '\\' ? 2 : 1;
            }
            $out .= substr($text, $i, $j + 1 - $i);
            $lastString = substr($text, $i + 1, $j - $i - 1);
            $member = null;
            $i = $j + 1;
        } elseif (strpos('-0123456789', $c) !== false) {
            $j = $i + 1;
            while ($j < $n && strpos('+-0123456789.eE', $text[$j]) !== false) {
                $j++;
            }
            $token = substr($text, $i, $j - $i);
            if (strpbrk($token, '.eE') !== false || ($member !== null && in_array($member, AURPAY_DECIMAL_NAMES, true))) {
                $out .= '"' . $token . '"';
                $decimals[] = $token;
            } else {
                $out .= $token;
            }
            $lastString = null;
            $member = null;
            $i = $j;
        } else {
            $space = strpos(" \t\r\n", $c) !== false;
            if ($c === ':') {
                $member = $lastString;
            } elseif (!$space) {
                $member = null;
            }
            if (!$space) {
                $lastString = null;
            }
            $out .= $c;
            $i++;
        }
    }
    return [$out, $decimals];
}

/** The last answer as it came, for checks that compare. */
final class AurpayLastAnswer
{
    public static string $original = '';
}

/** Guzzle middleware: JSON answers handed on with their decimals quoted. */
function aurpay_exact_amounts(): callable
{
    return \GuzzleHttp\Middleware::mapResponse(function (ResponseInterface $response) {
        $original = (string) $response->getBody();
        AurpayLastAnswer::$original = $original;
        $type = strtolower(trim(explode(';', $response->getHeaderLine('Content-Type'))[0]));
        if ($type !== 'application/json') {
            return $response->withBody(\GuzzleHttp\Psr7\Utils::streamFor($original));
        }
        return $response
            ->withoutHeader('Content-Length')
            ->withBody(\GuzzleHttp\Psr7\Utils::streamFor(aurpay_quote_decimals($original)[0]));
    });
}

/** Seconds since the epoch, with the fraction: ISO-8601 with or without a
 * fraction of a second (2024-06-17T00:00:00Z and ...00.123Z are both seen);
 * null when it is not a date. (strtotime would drop the fraction.) */
function aurpay_parse_date(string $text): ?float
{
    try {
        return (float) (new DateTimeImmutable($text))->format('U.u');
    } catch (\Exception $e) {
        return null;
    }
}

/**
 * [valid, reason]: reason is wrong_token, bad_signature, bad_date, stale,
 * future or missing. $now is seconds since the epoch (microtime(true));
 * $freshness is the caller's policy (Aurpay states none; this SDK uses 300).
 */
function aurpay_verify_callback(string $token, string $secret, float $now, int $freshness, string $url, array $headers): array
{
    $got = array_change_key_case($headers, CASE_LOWER);
    foreach (['callback-token', 'date', 'signature'] as $h) {
        if (!isset($got[$h])) {
            return [false, 'missing'];
        }
    }
    if (!hash_equals($token, $got['callback-token'])) {
        return [false, 'wrong_token'];
    }
    $expected = base64_encode(hash_hmac('sha256', $got['date'] . ' | ' . $url, $secret, true));
    if (!hash_equals($expected, $got['signature'])) {
        return [false, 'bad_signature'];
    }
    $signedAt = aurpay_parse_date($got['date']);
    if ($signedAt === null) {
        return [false, 'bad_date'];
    }
    $age = $now - $signedAt;
    if ($age > $freshness) {
        return [false, 'stale'];
    }
    if (-$age > $freshness) {
        return [false, 'future'];
    }
    return [true, null];
}

/** @return list<string> every mismatch with the shared vectors */
function aurpay_check_vectors(string $path): array
{
    $vectors = json_decode(file_get_contents($path), true);
    $failures = [];
    foreach ($vectors['request_signing'] as $c) {
        $md5 = aurpay_body_md5($c['body']);
        $text = aurpay_string_to_sign($c['algorithm'], $c['date'], $c['method'], $c['path_and_query'], $md5);
        $got = ['body_md5' => $md5, 'string_to_sign' => $text, 'signature' => aurpay_signature($c['algorithm'], $c['api_secret'], $text)];
        if ($got !== $c['expected']) {
            $failures[] = "{$c['name']}: got " . json_encode($got);
        }
    }
    foreach ($vectors['callback_verification'] as $c) {
        [$valid, $reason] = aurpay_verify_callback($c['callback_token'], $c['callback_secret'], aurpay_parse_date($c['now']), $c['freshness_seconds'], $c['request']['url'], $c['request']['headers']);
        if ($valid !== $c['expected']['valid'] || (!$valid && $reason !== $c['expected']['reason'])) {
            $failures[] = "{$c['name']}: got " . json_encode([$valid, $reason]);
        }
    }
    return $failures;
}
