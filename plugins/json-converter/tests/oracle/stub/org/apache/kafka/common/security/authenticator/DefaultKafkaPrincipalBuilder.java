package org.apache.kafka.common.security.authenticator;
/** Stand-in: only referenced as a config default class here. */
public abstract class DefaultKafkaPrincipalBuilder implements org.apache.kafka.common.security.auth.KafkaPrincipalBuilder {}
