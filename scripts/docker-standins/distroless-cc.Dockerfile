# Stand-in for `gcr.io/distroless/cc-debian12:nonroot`, which cannot be pulled on machines that
# reach no image registry. Like the original it holds only the files of Debian bookworm's
# base-files, netbase, tzdata, ca-certificates, libc6, libssl3, libgcc-s1, libgomp1 and libstdc++6
# (no shell, no package manager), the users root, nobody and nonroot (65532), and runs as nonroot
# in /home/nonroot.
FROM newsline-standin/debian:bookworm AS debian
RUN set -eu; \
    mkdir -p /rootfs/usr/bin /rootfs/usr/sbin /rootfs/usr/lib /rootfs/usr/lib64 /rootfs/etc \
        /rootfs/tmp /rootfs/root /home-nonroot; \
    for dir in bin sbin lib lib64; do ln -s "usr/$dir" "/rootfs/$dir"; done; \
    for pkg in base-files netbase tzdata ca-certificates libc6 libssl3 libgcc-s1 libgomp1 libstdc++6; do \
        dpkg-query -W -f='${Status}\n' "$pkg" | grep -q 'install ok installed'; \
        dpkg -L "$pkg" | grep -Ev '^/usr/share/(doc|man|lintian|locale)/' | while read -r path; do \
            if [ -f "$path" ] || [ -L "$path" ]; then cp -a --parents "$path" /rootfs; fi; \
        done; \
    done; \
    cp -a --parents /etc/ssl/certs/ca-certificates.crt /rootfs; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
        'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
        'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >/rootfs/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' \
        >/rootfs/etc/group; \
    chmod 1777 /rootfs/tmp; chmod 700 /rootfs/root /home-nonroot

FROM scratch
COPY --from=debian /rootfs/ /
COPY --from=debian --chown=65532:65532 /home-nonroot/ /home/nonroot/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot
